//! it
mod api;
mod cli;
mod fake;
mod flow;
mod macros;
