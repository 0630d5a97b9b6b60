//! Checks the PHP build prerequisites with a clear message, and records what
//! `phpinfo()` shows about the build (the PHP version and API it targets).

use std::process::Command;

fn main() {
    println!("cargo:rerun-if-env-changed=PHP_CONFIG");
    println!("cargo:rerun-if-env-changed=LIBCLANG_PATH");
    if std::env::var_os("CARGO_FEATURE_PHP").is_none() {
        return; // the pure core and I/O shell need no PHP
    }
    let php_config = std::env::var("PHP_CONFIG").unwrap_or_else(|_| "php-config".into());
    let ask = |flag: &str| -> Option<String> {
        let out = Command::new(&php_config).arg(flag).output().ok()?;
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
    };
    let (Some(version), Some(api)) = (ask("--version"), ask("--phpapi")) else {
        panic!(
            "\n\nvfstock: `{php_config}` was not found or failed.\n\
             Install PHP's development files (Debian: `apt-get install php8.2-dev`, or run \
             `make setup`), or point PHP_CONFIG at your php-config.\n"
        );
    };
    if !libclang_present() {
        panic!(
            "\n\nvfstock: libclang was not found; it is needed to generate PHP's bindings.\n\
             Install it (Debian: `apt-get install libclang-dev`, or run `make setup`), or set \
             LIBCLANG_PATH to the folder holding libclang.so.\n"
        );
    }
    println!("cargo:rustc-env=VFSTOCK_PHP_VERSION={version}");
    println!("cargo:rustc-env=VFSTOCK_PHP_API={api}");
}

/// Where bindgen (through clang-sys) looks for libclang on Linux.
fn libclang_present() -> bool {
    let mut dirs: Vec<std::path::PathBuf> = Vec::new();
    if let Ok(p) = std::env::var("LIBCLANG_PATH") {
        dirs.push(p.into());
    }
    dirs.extend(
        [
            "/usr/lib",
            "/usr/lib64",
            "/usr/local/lib",
            "/usr/lib/x86_64-linux-gnu",
            "/usr/lib/aarch64-linux-gnu",
        ]
        .map(Into::into),
    );
    if let Ok(entries) = std::fs::read_dir("/usr/lib") {
        dirs.extend(
            entries
                .flatten()
                .filter(|e| e.file_name().to_string_lossy().starts_with("llvm"))
                .map(|e| e.path().join("lib")),
        );
    }
    dirs.iter().any(|d| {
        std::fs::read_dir(d).is_ok_and(|rd| {
            rd.flatten()
                .any(|e| e.file_name().to_string_lossy().starts_with("libclang"))
        })
    })
}
