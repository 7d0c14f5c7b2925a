//! Checks that read the crate's source files rather than run its code: the layer order of
//! the modules against the README's table (`layers`), the layer order inside every folder,
//! file by file (`files`), and one path per public name (`public_paths`). One small test
//! binary that links none of the crate's dependencies: `cargo test --test layers`.

mod files;
mod layers;
mod public_paths;
