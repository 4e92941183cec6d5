//! The library's own runtime: threads that hold the HTTP client and the embedded fake.
//!
//! Every `#[tokio::test]` has its own runtime, which dies when the test ends, and a reqwest
//! client (or a server) made in one runtime dies with it (seanmonstar/reqwest#1148). So flows
//! and the fake run here, on a runtime that lives as long as the process. Work reaches it
//! through tokio's spawn queue; results come back on a oneshot (async callers) or a std channel
//! (blocking callers), so no caller ever waits on a tokio primitive of a runtime it is not in.

use std::future::Future;
use std::sync::{Arc, LazyLock};

use reqwest::Client;
use tokio::runtime::{Builder, Runtime};

use crate::error::{Error, Result};

static RUNTIME: LazyLock<Option<Runtime>> = LazyLock::new(|| {
    Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("okta-fixtures-worker")
        .enable_all()
        .build()
        .inspect_err(|e| tracing::error!(error = %e, "cannot start the okta-fixtures worker"))
        .ok()
});

static CLIENT: LazyLock<std::result::Result<Client, Arc<reqwest::Error>>> =
    LazyLock::new(|| crate::flow::http::client().map_err(Arc::new));

/// Runs `fut` on the worker and drops its output.
pub(crate) fn spawn(fut: impl Future<Output = ()> + Send + 'static) -> Result<()> {
    let rt = RUNTIME.as_ref().ok_or(Error::WorkerStopped)?;
    drop(rt.spawn(fut));
    Ok(())
}

/// Runs `fut` on the worker; the caller awaits the result from any runtime.
pub(crate) async fn run<T: Send + 'static>(
    fut: impl Future<Output = Result<T>> + Send + 'static,
) -> Result<T> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    spawn(async move {
        let _ = tx.send(fut.await);
    })?;
    rx.await.map_err(|_| Error::WorkerStopped)?
}

/// Runs `fut` on the worker and blocks this thread until it ends. Safe inside any runtime
/// (current-thread or multi-thread) and outside one: it waits on a std channel.
pub(crate) fn block_on<T: Send + 'static>(
    fut: impl Future<Output = Result<T>> + Send + 'static,
) -> Result<T> {
    let (tx, rx) = std::sync::mpsc::sync_channel(1);
    spawn(async move {
        let _ = tx.send(fut.await);
    })?;
    rx.recv().map_err(|_| Error::WorkerStopped)?
}

/// The one HTTP client, to be used on the worker only.
pub(crate) fn client() -> std::result::Result<&'static Client, Arc<reqwest::Error>> {
    CLIENT.as_ref().map_err(Arc::clone)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocking_works_outside_any_runtime() {
        let v = block_on(async {
            tokio::task::yield_now().await;
            Ok(7)
        });
        assert_eq!(v.unwrap(), 7);
    }

    #[tokio::test(flavor = "current_thread")]
    async fn blocking_works_inside_a_current_thread_runtime() {
        // The caller's only thread blocks; the work happens on the worker's threads.
        let name =
            block_on(async { Ok(std::thread::current().name().map(str::to_owned)) }).unwrap();
        assert_eq!(name.as_deref(), Some("okta-fixtures-worker"));
    }

    #[test]
    fn async_callers_on_dying_runtimes_share_the_worker() {
        for _ in 0..3 {
            let rt = Builder::new_current_thread().enable_all().build().unwrap();
            let v = rt.block_on(run(async { Ok(1 + 1) })).unwrap();
            assert_eq!(v, 2);
            drop(rt);
        }
    }

    #[test]
    fn errors_come_back() {
        assert!(matches!(
            block_on::<()>(async { Err(Error::WorkerStopped) }),
            Err(Error::WorkerStopped)
        ));
    }
}
