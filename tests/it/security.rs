//! What keeps secrets where they belong: plain http only to this machine, the cache folder's
//! ownership and modes, cache entries read only when sane, escaped names, bounded YAML depth.

mod cache_entries;
mod cache_folder;
mod escaped_names;
mod plain_http;
mod yaml_depth;
