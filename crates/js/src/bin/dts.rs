//! Writes the generated TypeScript declarations and the JavaScript method
//! list of the npm package into a directory (default `pkg/`):
//! `gatehouse_js_models.d.ts`, `gatehouse_js_api.d.ts`, `gatehouse_js_api.js`.
//! Run by `cargo xtask pkg`.

#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::io::Result<()> {
    use gatehouse_js::typescript;
    let dir = std::path::PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| "pkg".into()));
    std::fs::create_dir_all(&dir)?;
    for (name, text) in [
        ("gatehouse_js_models.d.ts", typescript::models()),
        ("gatehouse_js_api.d.ts", typescript::api()),
        ("gatehouse_js_api.js", typescript::methods_js()),
    ] {
        std::fs::write(dir.join(name), text)?;
        println!("wrote {}", dir.join(name).display());
    }
    Ok(())
}

#[cfg(target_arch = "wasm32")]
fn main() {}
