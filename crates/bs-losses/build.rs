//! Build script of bs-losses: keeps libtorch_cuda linked and adds an rpath to libtorch (see
//! bs-torch-link), so the loss tests run without LD_LIBRARY_PATH.
fn main() {
    bs_torch_link::emit();
}
