//! SO_LINGER, which std does not expose, for the "reset" fault; declared by
//! hand to avoid a `libc` dependency for one call.

use std::net::TcpStream;

/// Closes the socket with an RST instead of a FIN: SO_LINGER {on, 0 s}, then
/// drop. Where that option is unavailable it falls back to a plain shutdown.
pub(crate) fn reset(stream: TcpStream) {
    #[cfg(all(
        target_os = "linux",
        any(target_arch = "x86_64", target_arch = "aarch64")
    ))]
    {
        use std::os::fd::AsRawFd;
        #[repr(C)]
        struct Linger {
            l_onoff: i32,
            l_linger: i32,
        }
        extern "C" {
            fn setsockopt(fd: i32, level: i32, name: i32, value: *const Linger, len: u32) -> i32;
        }
        const SOL_SOCKET: i32 = 1;
        const SO_LINGER: i32 = 13;
        let linger = Linger {
            l_onoff: 1,
            l_linger: 0,
        };
        // SAFETY: a valid fd we own, a pointer to a live, correctly sized struct.
        unsafe {
            setsockopt(
                stream.as_raw_fd(),
                SOL_SOCKET,
                SO_LINGER,
                &linger,
                std::mem::size_of::<Linger>() as u32,
            );
        }
    }
    #[cfg(not(all(
        target_os = "linux",
        any(target_arch = "x86_64", target_arch = "aarch64")
    )))]
    {
        let _ = stream.shutdown(std::net::Shutdown::Both);
    }
    drop(stream);
}
