//! The allocator: the system's, except that large blocks are kept for reuse.
//!
//! `vf_capacity_for` on a 2,000-hypervisor page allocates a few blocks of
//! some 300 KB (the page's hypervisors, their rows) and frees them before it
//! returns. glibc gives blocks that size back to the kernel (an munmap, or a
//! trim of the heap's top), so the next call faulted every page of them in
//! again: some 200 page faults a call, a fifth of its time on a VM. Freed
//! blocks of 64 KiB to 4 MiB are kept here instead, a few per size class
//! and [`BUDGET`] bytes in all, and handed out again; everything else goes
//! straight to the system allocator, which also backs every kept block.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::Mutex;

/// Sizes above this (and up to [`LARGEST`]) are rounded up to a class.
const SMALLEST: usize = 64 << 10;
const LARGEST: usize = 4 << 20;
/// Four classes per power of two: a block is at most 25% larger than asked.
const PER_OCTAVE: usize = 4;
const CLASSES: usize = 6 * PER_OCTAVE; // 2^16 < size ≤ 2^22
/// Blocks kept per class.
const KEEP: usize = 4;
/// Bytes kept in all classes together.
const BUDGET: usize = 8 << 20;
/// Blocks aligned to more than this go to the system as they are.
const ALIGN: usize = 16;

/// The system allocator, with freed large blocks kept for reuse.
pub struct Allocator;

#[global_allocator]
static ALLOCATOR: Allocator = Allocator;

struct Kept {
    blocks: [[usize; KEEP]; CLASSES],
    len: [usize; CLASSES],
    bytes: usize,
}

static KEPT: Mutex<Kept> = Mutex::new(Kept::EMPTY);

impl Kept {
    const EMPTY: Kept = Kept {
        blocks: [[0; KEEP]; CLASSES],
        len: [0; CLASSES],
        bytes: 0,
    };
}

/// The class of a block of `size` bytes (its index and its size), if kept.
fn class(size: usize) -> Option<(usize, usize)> {
    if size <= SMALLEST || size > LARGEST {
        return None;
    }
    // 2^e < size ≤ 2^(e+1); classes 2^e + k·2^(e−2), k = 1..=4.
    let e = (usize::BITS - 1 - (size - 1).leading_zeros()) as usize;
    let step = 1usize << (e - 2);
    let k = (size - (1 << e)).div_ceil(step);
    Some(((e - 16) * PER_OCTAVE + k - 1, (1 << e) + k * step))
}

fn kept(layout: Layout) -> Option<(usize, Layout)> {
    if layout.align() > ALIGN {
        return None;
    }
    let (index, size) = class(layout.size())?;
    // SAFETY: `size` ≥ the layout's size, and its alignment is valid.
    Some((index, unsafe {
        Layout::from_size_align_unchecked(size, layout.align())
    }))
}

impl Kept {
    /// A kept block of class `index` (of `size` bytes), or null.
    fn take(&mut self, index: usize, size: usize) -> *mut u8 {
        if self.len[index] == 0 {
            return std::ptr::null_mut();
        }
        self.len[index] -= 1;
        self.bytes -= size;
        self.blocks[index][self.len[index]] as *mut u8
    }

    /// Keeps `ptr`, or says it did not (its class or the budget is full).
    fn keep(&mut self, index: usize, size: usize, ptr: *mut u8) -> bool {
        if self.len[index] == KEEP || self.bytes + size > BUDGET {
            return false;
        }
        self.blocks[index][self.len[index]] = ptr as usize;
        self.len[index] += 1;
        self.bytes += size;
        true
    }
}

fn lock() -> std::sync::MutexGuard<'static, Kept> {
    // Nothing panics while the lock is held; a poisoned one is still sound.
    KEPT.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn take(index: usize, size: usize) -> *mut u8 {
    lock().take(index, size)
}

fn keep(index: usize, size: usize, ptr: *mut u8) -> bool {
    lock().keep(index, size, ptr)
}

/// Bytes kept now.
#[cfg(test)]
fn kept_bytes() -> usize {
    lock().bytes
}

// SAFETY: every block handed out is the system's, of at least the size and
// alignment asked (a class block is the class's size); a kept block is
// owned by `KEPT` alone until it is handed out again.
unsafe impl GlobalAlloc for Allocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        match kept(layout) {
            None => System.alloc(layout),
            Some((index, class)) => {
                let p = take(index, class.size());
                if p.is_null() {
                    System.alloc(class)
                } else {
                    p
                }
            }
        }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if kept(layout).is_none() {
            return System.alloc_zeroed(layout);
        }
        // A kept block holds what its last owner wrote.
        let p = self.alloc(layout);
        if !p.is_null() {
            p.write_bytes(0, layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        match kept(layout) {
            None => System.dealloc(ptr, layout),
            Some((index, class)) => {
                if !keep(index, class.size(), ptr) {
                    System.dealloc(ptr, class);
                }
            }
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller passes a valid new size for this alignment.
        let new = Layout::from_size_align_unchecked(new_size, layout.align());
        match (kept(layout), kept(new)) {
            (None, None) => System.realloc(ptr, layout, new_size),
            (Some((a, _)), Some((b, _))) if a == b => ptr, // the block already fits
            _ => {
                let p = self.alloc(new);
                if !p.is_null() {
                    p.copy_from_nonoverlapping(ptr, layout.size().min(new_size));
                    self.dealloc(ptr, layout);
                }
                p
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_hold_their_sizes_and_waste_at_most_a_quarter() {
        let mut last = (0, 0);
        for size in (SMALLEST - 8..=LARGEST + 8).step_by(4093) {
            match class(size) {
                None => assert!(size <= SMALLEST || size > LARGEST, "{size}"),
                Some((index, class)) => {
                    assert!(index < CLASSES, "{size}: class {index}");
                    assert!(
                        class >= size && class * 4 <= size * 5 + 4,
                        "{size} → {class}"
                    );
                    assert!(index >= last.0 && class >= last.1, "classes grow with size");
                    last = (index, class);
                }
            }
        }
        assert_eq!(class(SMALLEST + 1), Some((0, SMALLEST + SMALLEST / 4)));
        assert_eq!(class(LARGEST), Some((CLASSES - 1, LARGEST)));
    }

    #[test]
    fn a_class_keeps_a_few_blocks_within_the_budget_last_in_first_out() {
        let mut k = Kept::EMPTY;
        let (index, size) = class(300 << 10).unwrap();
        assert!(k.take(index, size).is_null(), "nothing kept yet");
        for p in 1..=KEEP {
            assert!(k.keep(index, size, p as *mut u8));
        }
        assert!(!k.keep(index, size, 99 as *mut u8), "the class is full");
        assert_eq!(k.bytes, KEEP * size);
        assert_eq!(k.take(index, size) as usize, KEEP, "the last kept first");
        let (big, big_size) = class(LARGEST).unwrap();
        let mut taken = 0;
        while k.keep(big, big_size, std::ptr::dangling_mut()) {
            taken += 1;
        }
        assert!(
            k.bytes <= BUDGET && taken < KEEP,
            "the budget holds: {}",
            k.bytes
        );
    }

    #[test]
    fn a_freed_large_block_is_handed_out_again_zeroed_when_asked() {
        // A size few other tests allocate, so that none takes the block
        // between the free and the next allocation.
        let size = (3 << 20) + (1 << 19) - 4096;
        let mut v: Vec<u8> = Vec::with_capacity(size);
        v.resize(size, 7);
        let p = v.as_ptr();
        drop(v);
        let z = vec![0u8; size - 100];
        assert_eq!(z.as_ptr(), p, "the same block, reused");
        assert!(z.iter().all(|&b| b == 0), "zeroed although reused");
        drop(z);
        let small: Vec<u8> = Vec::with_capacity(1024);
        let kept_now = kept_bytes();
        drop(small);
        assert_eq!(kept_bytes(), kept_now, "small blocks go straight back");
    }

    #[test]
    fn growing_across_classes_keeps_the_contents() {
        let mut v: Vec<u64> = Vec::new();
        for i in 0..(1u64 << 20) {
            v.push(i);
        }
        assert!(v.iter().enumerate().all(|(i, &x)| x == i as u64));
        v.truncate(10_000);
        v.shrink_to_fit();
        assert_eq!(v.iter().sum::<u64>(), 10_000 * 9_999 / 2);
    }
}
