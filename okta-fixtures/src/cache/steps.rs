//! The last TOTP time step used per user, so no code is ever sent twice.
//!
//! Okta refuses a TOTP code already used (RFC 6238 §5.2: "the verifier MUST NOT accept the
//! second attempt of the OTP after the successful validation has been issued for the first
//! OTP"). Two sign-ins of one user inside one 30 s step, in one process (`fresh`) or in two
//! processes sharing a cache folder, would compute the same code; the second would be refused.
//! So each sign-in takes the user's turn, reads the last step used, picks a later one (waiting
//! for it on Okta's clock if need be), sends its code and records the step, all under the turn.
//!
//! With a disk store the record is `{hash}.totp-step` (0600) in the workspace folder and the turn
//! is a `flock` (std `File::lock`) on `{hash}.totp-lock` beside it, which the OS releases when a
//! process dies; `{hash}` is the refusal records' hash of org URL and username. Without one
//! (the in-process fake), this process's memory. A step number is no secret.

use std::collections::HashMap;
use std::fs::File;
use std::sync::{Arc, LazyLock, Mutex, PoisonError};
use std::time::Duration;

use okta_fixtures_config::User;

use super::disk::Disk;
use super::refusals::record_id;
use crate::error::{Error, Result};

/// The extension of a user's last-step record.
const STEP: &str = "totp-step";
/// The extension of the lock file guarding it.
const LOCK: &str = "totp-lock";

/// The last steps of this process (the memory store) and, per user, the turn that orders this
/// process's sign-ins of the user.
#[derive(Default)]
pub(crate) struct Steps {
    last: Mutex<HashMap<String, u64>>,
    /// The factor each user last verified in this process (`token:software:totp (OKTA)`), for
    /// `doctor` to report.
    factors: Mutex<HashMap<String, String>>,
    turns: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

/// One user's turn to choose, send and record a TOTP step; released when dropped.
pub(crate) struct StepTurn<'a> {
    steps: &'a Steps,
    disk: Option<&'a Disk>,
    id: String,
    _turn: tokio::sync::OwnedMutexGuard<()>,
    /// The locked lock file, with a disk store. Closing it releases the lock.
    _lock: Option<File>,
}

/// This process's steps, shared by every config: two configs naming one org and user must not
/// send one code twice either.
static SHARED: LazyLock<Steps> = LazyLock::new(Steps::default);

impl Steps {
    /// This process's steps.
    pub(crate) fn shared() -> &'static Steps {
        &SHARED
    }

    /// Notes that a sign-in of `user` at `org_url` verified `factor`.
    pub(crate) fn note_factor(&self, org_url: &str, user: &User, factor: &str) {
        self.factors
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(record_id(org_url, user), factor.to_owned());
    }

    /// The factor the last sign-in of `user` at `org_url` in this process verified, if any.
    #[cfg_attr(not(feature = "cli"), allow(dead_code))]
    pub(crate) fn factor_used(&self, org_url: &str, user: &User) -> Option<String> {
        self.factors
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&record_id(org_url, user))
            .cloned()
    }

    /// Waits for `user`'s turn at `org_url`, in this process and then, with a disk store, among
    /// the processes sharing it; another process may hold it for at most `wait`
    /// ([`Error::CacheLocked`] then). Hold it from reading the last step to recording the new one.
    pub(crate) async fn turn<'a>(
        &'a self,
        disk: Option<&'a Disk>,
        org_url: &str,
        user: &User,
        wait: Duration,
    ) -> Result<StepTurn<'a>> {
        let id = record_id(org_url, user);
        let turn = self
            .turns
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(id.clone())
            .or_default()
            .clone();
        let turn = turn.lock_owned().await;
        let lock = match disk {
            Some(d) => Some(lock_file(d, &format!("{id}.{LOCK}"), wait).await?),
            None => None,
        };
        Ok(StepTurn {
            steps: self,
            disk,
            id,
            _turn: turn,
            _lock: lock,
        })
    }
}

impl StepTurn<'_> {
    /// The last step used by a sign-in of this user, if any: the later of this process's and
    /// the disk store's.
    pub(crate) fn last(&self) -> Option<u64> {
        let memory = self.memory().get(&self.id).copied();
        let disk = self.disk.and_then(|d| {
            let bytes = d.read_own(&self.file_name())?;
            std::str::from_utf8(&bytes).ok()?.trim().parse::<u64>().ok()
        });
        memory.max(disk)
    }

    /// Records `step` as used (sent to Okta), unless a later one is recorded already.
    pub(crate) fn record(&self, step: u64) {
        if self.last().is_some_and(|last| last >= step) {
            return;
        }
        self.memory().insert(self.id.clone(), step);
        if let Some(d) = self.disk
            && let Err(e) = d.write_own(&self.file_name(), step.to_string().as_bytes(), true)
        {
            tracing::warn!(error = %e, "could not record the TOTP step used on disk; this process remembers it");
        }
    }

    fn memory(&self) -> std::sync::MutexGuard<'_, HashMap<String, u64>> {
        self.steps
            .last
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn file_name(&self) -> String {
        format!("{}.{STEP}", self.id)
    }
}

/// Opens and locks the workspace lock file `name` within `wait`, on a blocking thread (flock has
/// no timed wait; [`Disk::lock_own`] polls it with back-off).
async fn lock_file(disk: &Disk, name: &str, wait: Duration) -> Result<File> {
    let (disk, name) = (disk.clone(), name.to_owned());
    tokio::task::spawn_blocking(move || {
        disk.lock_own(&name, wait, || {
            tracing::debug!("waiting for another process's TOTP step");
        })
    })
    .await
    .map_err(|_| Error::WorkerStopped)?
}

#[cfg(test)]
mod tests {
    use super::*;
    use okta_fixtures_config::Secret;

    fn user() -> User {
        User {
            name: "carol".into(),
            username: "Carol@example.com".into(),
            password: Secret::new("pw".to_owned()),
            app: None,
            totp: None,
        }
    }

    const ORG: &str = "https://example.okta.com";

    #[tokio::test]
    async fn memory_keeps_the_latest_step_per_user() {
        let steps = Steps::default();
        let turn = steps
            .turn(None, ORG, &user(), Duration::ZERO)
            .await
            .unwrap();
        assert_eq!(turn.last(), None);
        turn.record(100);
        turn.record(99);
        assert_eq!(turn.last(), Some(100));
        drop(turn);
        let again = steps
            .turn(None, ORG, &user(), Duration::ZERO)
            .await
            .unwrap();
        assert_eq!(again.last(), Some(100));
        drop(again);
        let other_org = steps
            .turn(None, "https://other.okta.com", &user(), Duration::ZERO)
            .await
            .unwrap();
        assert_eq!(other_org.last(), None);
    }

    #[tokio::test]
    async fn processes_sharing_a_folder_share_steps_and_take_turns() {
        let dir = tempfile::TempDir::new().unwrap();
        let disk = Disk::new(dir.path().join("cache"), &dir.path().join("f.yaml"), false);
        // Two `Steps` are two processes.
        let (a, b) = (Steps::default(), Steps::default());
        let turn = a
            .turn(Some(&disk), ORG, &user(), Duration::ZERO)
            .await
            .unwrap();
        turn.record(7);
        // The other process cannot take the turn while it is held.
        let waited = b
            .turn(Some(&disk), ORG, &user(), Duration::from_millis(30))
            .await;
        assert!(matches!(waited, Err(Error::CacheLocked { .. })));
        drop(turn);
        let turn = b
            .turn(Some(&disk), ORG, &user(), Duration::ZERO)
            .await
            .unwrap();
        assert_eq!(turn.last(), Some(7));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            for f in std::fs::read_dir(disk.dir()).unwrap() {
                let mode = f.unwrap().metadata().unwrap().permissions().mode();
                assert_eq!(mode & 0o777, 0o600);
            }
        }
    }
}
