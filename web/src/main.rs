//! The console's entry point: mounts the app on the page body.
fn main() {
    gatehouse_web::start();
}
