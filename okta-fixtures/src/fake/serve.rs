//! Serves the fake's router on a listener, with a header-read timeout.
//!
//! `axum::serve` sets no timer on hyper's connection builder, so hyper's header-read timeout
//! never runs and a connection that sends nothing (or half a request head) is kept forever: a
//! few hundred stalled sockets would hold the fake's tasks and file descriptors. This loop is
//! `axum::serve`'s, with hyper's HTTP/1 builder given a tokio timer and the timeout.
//!
//! hyper starts the header-read timer whenever the connection waits for a request head
//! (`proto/h1/conn.rs`, `poll_read_head`): on a new connection and between keep-alive
//! requests alike, so it is also the idle timeout
//! (<https://docs.rs/hyper/1/hyper/server/conn/http1/struct.Builder.html#method.header_read_timeout>).

use std::pin::pin;
use std::time::Duration;

use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::{oneshot, watch};
use tokio::task::JoinSet;

/// Serves `app` on `listener` until `stop` fires, then lets open requests finish.
pub(crate) async fn serve(
    listener: TcpListener,
    app: Router,
    header_read_timeout: Duration,
    stop: oneshot::Receiver<()>,
) {
    let (closing, closing_rx) = watch::channel(());
    let mut connections = JoinSet::new();
    let mut stop = pin!(stop);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                // Out of file descriptors, or a connection reset before it was accepted: the
                // listener itself still works. A short pause keeps EMFILE from spinning, as
                // axum::serve does.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut stop => break,
        };
        let service = TowerToHyperService::new(app.clone());
        let mut closing = closing_rx.clone();
        connections.spawn(async move {
            let mut builder = http1::Builder::new();
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(header_read_timeout);
            let mut conn = pin!(builder.serve_connection(TokioIo::new(stream), service));
            tokio::select! {
                _ = conn.as_mut() => return,
                _ = closing.changed() => conn.as_mut().graceful_shutdown(),
            }
            let _ = conn.await;
        });
        while connections.try_join_next().is_some() {}
    }
    drop(closing);
    while connections.join_next().await.is_some() {}
}
