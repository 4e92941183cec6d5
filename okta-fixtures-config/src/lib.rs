//! `fixtures.yaml` for [okta-fixtures](https://docs.rs/okta-fixtures): the schema, `${VAR}`
//! expansion, validation with `file:line:column` errors, and discovery of the file.
//!
//! Used at run time by `okta-fixtures` and at compile time by `okta-fixtures-macros`, so both
//! find and read the same file the same way.
//!
//! ```
//! let yaml = "org_url: fake\napps:\n  spa:\n    client_id: spa-client\n    redirect_uri: http://localhost:8080/cb\n    flow: code\nusers:\n  alice:\n    username: alice@example.com\n    password: correct-horse\n    app: spa\n";
//! let config = okta_fixtures_config::parse_str(yaml, None, &|_| None).unwrap();
//! assert_eq!(config.users["alice"].username, "alice@example.com");
//! ```

mod discover;
mod error;
mod interpolate;
mod load;
mod raw;
mod schema;
mod secret;

pub use discover::{CONFIG_ENV, FILE_NAME, discover};
pub use error::{Error, Location, Result};
pub use load::{load, parse_str};
pub use schema::*;
pub use secret::Secret;
