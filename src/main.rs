// Validation allocates many small strings on two threads; mimalloc does that markedly
// faster than the system allocator (see benches/README.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    promptctl::run(std::env::args_os()).into()
}
