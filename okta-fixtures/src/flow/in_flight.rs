//! At most five sign-ins of one app in flight at once.
//!
//! Okta's client-based rate limit on `/authorize` allows five concurrent requests per client
//! id, IP address and device (developer.okta.com/docs/reference/rl-clientbased; a sixth is
//! logged as `system.client.concurrency_rate_limit.violation`, docs/reference/
//! rl-system-log-events). A browserless client has no device cookie, so all of a process's
//! sign-ins of one app count as one client: the sixth waits here instead of meeting a 429.
//! Processes do not share this count.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Okta's limit of concurrent `/authorize` requests per client.
pub(crate) const PER_CLIENT: usize = 5;

/// An org URL and a client id of it.
type Client = (String, String);

/// One count per client.
static CLIENTS: LazyLock<Mutex<HashMap<Client, Arc<Semaphore>>>> = LazyLock::new(Mutex::default);

/// Waits until fewer than [`PER_CLIENT`] sign-ins of `client_id` at `org` are in flight; the
/// next one may start when the permit is dropped.
pub(crate) async fn permit(org: &str, client_id: &str) -> Option<OwnedSemaphorePermit> {
    let count = CLIENTS
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .entry((org.to_owned(), client_id.to_owned()))
        .or_insert_with(|| Arc::new(Semaphore::new(PER_CLIENT)))
        .clone();
    // The semaphore is never closed, so this waits and never fails.
    count.acquire_owned().await.ok()
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn the_sixth_sign_in_of_a_client_waits_for_one_of_the_five() {
        let mut held = Vec::new();
        for _ in 0..PER_CLIENT {
            held.push(permit("https://org.test", "five").await.unwrap());
        }
        let sixth = permit("https://org.test", "five");
        tokio::pin!(sixth);
        // A zero timeout polls once: the sixth is not let through while five are held.
        assert!(
            tokio::time::timeout(Duration::ZERO, sixth.as_mut())
                .await
                .is_err()
        );
        // Another client of the same org is not held back.
        assert!(permit("https://org.test", "other").await.is_some());
        held.pop();
        assert!(sixth.await.is_some());
    }
}
