//! One multiplexed connection to Redis, made on first use and made again when Redis drops it
//! (a restart), every wait bounded by the connect and response timeouts.

use std::time::Duration;

use okta_fixtures_config::RedisUrl;
use redis::aio::MultiplexedConnection;
use redis::{AsyncConnectionConfig, FromRedisValue};

use crate::error::{Error, Result};

/// How long connecting (TCP, TLS, AUTH) may take.
pub(crate) const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

/// How long one command may take to be answered.
pub(crate) const RESPONSE_TIMEOUT: Duration = Duration::from_secs(3);

/// The connection of one store.
pub(crate) struct Connection {
    client: redis::Client,
    url: RedisUrl,
    current: tokio::sync::Mutex<Option<MultiplexedConnection>>,
    connect_timeout: Duration,
    response_timeout: Duration,
}

impl Connection {
    /// A connection to `url`, opened on first use.
    pub(crate) fn new(url: &RedisUrl) -> Result<Self> {
        let client = redis::Client::open(url.expose())
            .map_err(|e| problem(url, "reading its URL (user, password, database)", &e))?;
        Ok(Connection {
            client,
            url: url.clone(),
            current: tokio::sync::Mutex::new(None),
            connect_timeout: CONNECT_TIMEOUT,
            response_timeout: RESPONSE_TIMEOUT,
        })
    }

    /// The same with other timeouts (tests).
    #[cfg(test)]
    pub(crate) fn with_timeouts(mut self, connect: Duration, response: Duration) -> Self {
        self.connect_timeout = connect;
        self.response_timeout = response;
        self
    }

    /// The server, as errors and logs name it: `scheme://host:port`.
    pub(crate) fn url(&self) -> &RedisUrl {
        &self.url
    }

    /// Runs `cmd` (`action` says what for, in errors). A dropped connection (Redis restarted,
    /// or a network cut) is made again once, with a log line; a timeout is not retried.
    pub(crate) async fn query<T: FromRedisValue>(
        &self,
        action: &'static str,
        cmd: &redis::Cmd,
    ) -> Result<T> {
        let mut retried = false;
        loop {
            let mut conn = self.connection(action).await?;
            let answer = tokio::time::timeout(
                self.response_timeout + Duration::from_millis(500),
                cmd.query_async::<T>(&mut conn),
            )
            .await;
            match answer {
                Ok(Ok(v)) => return Ok(v),
                Ok(Err(e)) if !retried && dropped(&e) => {
                    retried = true;
                    tracing::warn!(redis = %self.url, "the connection to Redis was lost (a restart?); connecting again");
                    *self.current.lock().await = None;
                }
                Ok(Err(e)) => {
                    if dropped(&e) || e.is_timeout() {
                        *self.current.lock().await = None;
                    }
                    return Err(problem(&self.url, action, &e));
                }
                Err(_) => {
                    *self.current.lock().await = None;
                    return Err(Error::Redis {
                        url: self.url.to_string(),
                        action,
                        problem: format!(
                            "no answer within {}s",
                            self.response_timeout.as_secs_f32()
                        ),
                    });
                }
            }
        }
    }

    /// The connection, made now if there is none.
    async fn connection(&self, action: &'static str) -> Result<MultiplexedConnection> {
        let mut current = self.current.lock().await;
        if let Some(c) = current.as_ref() {
            return Ok(c.clone());
        }
        let config = AsyncConnectionConfig::new()
            .set_connection_timeout(Some(self.connect_timeout))
            .set_response_timeout(Some(self.response_timeout));
        let made = tokio::time::timeout(
            self.connect_timeout + Duration::from_millis(500),
            self.client
                .get_multiplexed_async_connection_with_config(&config),
        )
        .await;
        let conn = match made {
            Ok(Ok(c)) => c,
            Ok(Err(e)) => return Err(problem(&self.url, action, &e)),
            Err(_) => {
                return Err(Error::Redis {
                    url: self.url.to_string(),
                    action,
                    problem: format!(
                        "could not connect within {}s",
                        self.connect_timeout.as_secs_f32()
                    ),
                });
            }
        };
        tracing::debug!(redis = %self.url, "connected to Redis");
        *current = Some(conn.clone());
        Ok(conn)
    }
}

/// Whether `e` means the connection is gone (and a new one may succeed).
fn dropped(e: &redis::RedisError) -> bool {
    (e.is_connection_dropped() || e.is_unrecoverable_error() || e.is_io_error()) && !e.is_timeout()
}

/// The typed error of `e`, with the URL's password (and the URL itself) kept out of it.
fn problem(url: &RedisUrl, action: &'static str, e: &redis::RedisError) -> Error {
    let mut text = if e.is_connection_refusal() {
        "connection refused (is Redis running?)".to_owned()
    } else if e.is_timeout() {
        "no answer in time".to_owned()
    } else {
        e.to_string()
    };
    text = text.replace(url.expose(), &url.to_string());
    if let Some(password) = url.password().filter(|p| !p.is_empty()) {
        text = text.replace(password, "[REDACTED]");
    }
    if url.is_tls() && text.contains("certificate") {
        // rustls-native-certs reads the platform's roots, or SSL_CERT_FILE / SSL_CERT_DIR.
        text.push_str(" (for a private CA, set SSL_CERT_FILE to its PEM file)");
    }
    Error::Redis {
        url: url.to_string(),
        action,
        problem: text,
    }
}
