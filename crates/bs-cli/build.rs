//! Keeps libtorch_cuda linked and adds an rpath to libtorch: see bs-torch-link.
fn main() {
    bs_torch_link::emit();
}
