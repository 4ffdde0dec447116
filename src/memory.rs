//! Returning freed heap memory to the operating system.
//!
//! glibc keeps memory freed by a thread in that thread's arena; after a burst such as training the
//! classifier (hundreds of MB allocated and freed) the process would keep its peak resident size.
//! `malloc_trim` hands the free pages back.

/// Releases free heap pages to the system (a no-op where the C library has no `malloc_trim`).
pub fn release_free_heap() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only inspects the allocator's own free lists; it takes no pointers.
    unsafe {
        libc::malloc_trim(0);
    }
}
