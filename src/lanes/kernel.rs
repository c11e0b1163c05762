//! Which instruction set the Monte Carlo kernels run with, chosen at run time.
//!
//! fiscalsim is built for the baseline of its target (x86-64: SSE2), so one binary runs
//! on every machine of that architecture. The few functions where the Monte Carlo time
//! goes (a block's simulation, the tally of its outputs, the cut of kept values) are
//! compiled three times from one source by [`dispatch!`]: for AVX-512 (F, BW, DQ, VL),
//! for AVX2 with FMA, and for the baseline; the first that the CPU has is used
//! ([`Kernel::best`]), unless the environment variable `FISCALSIM_KERNEL` names another
//! the CPU has ([`Kernel::from_env`]). Every kernel gives the same bits: the arithmetic is
//! IEEE operation for operation on every path (Rust never contracts `a * b + c` into a
//! fused operation, and the one fused multiply-add of the tally is `f64::mul_add`, exact
//! with or without the FMA unit), which the tests check by running every kernel the
//! machine has against the portable one.

use std::sync::atomic::{AtomicU8, Ordering};

/// An instruction set the Monte Carlo kernels are compiled for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kernel {
    /// The target's baseline (x86-64: SSE2); every machine runs it.
    Portable,
    /// AVX2 with FMA, BMI1/2, LZCNT and POPCNT (x86-64-v3: Intel since Haswell, AMD
    /// since Zen).
    Avx2,
    /// AVX-512 F, BW, DQ and VL, with all of AVX2 (x86-64-v4: Intel servers since
    /// Skylake-SP, AMD since Zen 4).
    Avx512,
}

/// `FISCALSIM_KERNEL` names no kernel, or one this CPU does not have.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "FISCALSIM_KERNEL={value:?}: {reason}; this machine has: {}",
    Kernel::available().map(Kernel::name).collect::<Vec<_>>().join(", ")
)]
pub struct KernelError {
    /// The variable's value.
    pub value: String,
    /// Why it cannot be used.
    pub reason: &'static str,
}

/// The kernel chosen for this process (0: not chosen yet, else 1 + the kernel's index).
static CHOSEN: AtomicU8 = AtomicU8::new(0);

impl Kernel {
    /// Every kernel, from the baseline up.
    pub const ALL: [Kernel; 3] = [Kernel::Portable, Kernel::Avx2, Kernel::Avx512];

    /// The kernel's name, as `FISCALSIM_KERNEL` takes it and `fiscalsim --version` shows it.
    pub fn name(self) -> &'static str {
        match self {
            Kernel::Portable => "portable",
            Kernel::Avx2 => "avx2",
            Kernel::Avx512 => "avx512",
        }
    }

    /// Whether this CPU can run the kernel.
    pub fn supported(self) -> bool {
        match self {
            Kernel::Portable => true,
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx2 => {
                std::arch::is_x86_feature_detected!("avx2")
                    && std::arch::is_x86_feature_detected!("fma")
                    && std::arch::is_x86_feature_detected!("bmi1")
                    && std::arch::is_x86_feature_detected!("bmi2")
                    && std::arch::is_x86_feature_detected!("lzcnt")
                    && std::arch::is_x86_feature_detected!("popcnt")
            }
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx512 => {
                Kernel::Avx2.supported()
                    && std::arch::is_x86_feature_detected!("avx512f")
                    && std::arch::is_x86_feature_detected!("avx512bw")
                    && std::arch::is_x86_feature_detected!("avx512dq")
                    && std::arch::is_x86_feature_detected!("avx512vl")
            }
            #[cfg(not(target_arch = "x86_64"))]
            _ => false,
        }
    }

    /// The kernels this CPU can run, from the baseline up.
    pub fn available() -> impl Iterator<Item = Kernel> {
        Kernel::ALL.into_iter().filter(|k| k.supported())
    }

    /// The fastest kernel this CPU can run.
    pub fn best() -> Kernel {
        Kernel::available().last().unwrap_or(Kernel::Portable)
    }

    /// The kernel named by `FISCALSIM_KERNEL`, if it is set (an error when it names no
    /// kernel or one this CPU cannot run).
    pub fn from_env() -> Result<Option<Kernel>, KernelError> {
        let Some(value) = std::env::var_os("FISCALSIM_KERNEL") else {
            return Ok(None);
        };
        let value = value.to_string_lossy().into_owned();
        let Some(k) = Kernel::ALL.into_iter().find(|k| k.name() == value.trim()) else {
            return Err(KernelError {
                value,
                reason: "not a kernel (portable, avx2 or avx512)",
            });
        };
        if !k.supported() {
            return Err(KernelError {
                value,
                reason: "this CPU cannot run it",
            });
        }
        Ok(Some(k))
    }

    /// The kernel Monte Carlo runs of this process use: the one [`Kernel::choose`] set,
    /// else the one `FISCALSIM_KERNEL` names (when it names one this CPU has), else
    /// [`Kernel::best`]. Decided once, at the first call.
    pub fn chosen() -> Kernel {
        match CHOSEN.load(Ordering::Relaxed) {
            0 => {
                let k = Kernel::from_env()
                    .ok()
                    .flatten()
                    .unwrap_or_else(Kernel::best);
                k.choose();
                k
            }
            i => Kernel::ALL[usize::from(i - 1)],
        }
    }

    /// Makes `self` the kernel of later Monte Carlo runs of this process (`false`, and
    /// nothing changes, when this CPU cannot run it).
    pub fn choose(self) -> bool {
        if !self.supported() {
            return false;
        }
        // `ALL` lists the kernels in the order of their discriminants.
        CHOSEN.store(self as u8 + 1, Ordering::Relaxed);
        true
    }
}

/// Runs one function body compiled for the instruction set of a [`Kernel`]:
///
/// ```text
/// dispatch!(kernel, fn<'p>(a: &mut A<'p>, b: usize) -> R { body }, (a, b))
/// ```
///
/// defines the function three times (AVX-512, AVX2 + FMA, baseline) and calls the one of
/// `kernel`. In the body, the type `V` is the kernel's [`super::Vector`]: the AVX-512
/// registers, two AVX2 registers, or [`super::Lanes`] (the baseline). The body's callees must be
/// `#[inline(always)]` to be compiled with the instruction set too (a call that is not
/// inlined runs baseline code, with the same results, slower). The caller passes a kernel
/// this CPU has (an `Engine`'s kernel, checked when it was set); debug builds check again.
macro_rules! dispatch {
    ($kernel:expr, fn $(<$($lt:lifetime),*>)? ($($a:ident : $t:ty),* $(,)?) $(-> $r:ty)?
        $body:block $(,)? ($($arg:expr),* $(,)?) $(,)?) => {{
        #[cfg(target_arch = "x86_64")]
        #[target_feature(
            enable = "avx512f,avx512bw,avx512dq,avx512vl,avx2,fma,bmi1,bmi2,lzcnt,popcnt"
        )]
        fn avx512 $(<$($lt),*>)? ($($a: $t),*) $(-> $r)? {
            #[allow(dead_code)]
            type V = $crate::lanes::avx512::Zmm;
            $body
        }
        #[cfg(target_arch = "x86_64")]
        #[target_feature(enable = "avx2,fma,bmi1,bmi2,lzcnt,popcnt")]
        fn avx2 $(<$($lt),*>)? ($($a: $t),*) $(-> $r)? {
            #[allow(dead_code)]
            type V = $crate::lanes::avx2::Ymm;
            $body
        }
        #[inline(always)]
        fn portable $(<$($lt),*>)? ($($a: $t),*) $(-> $r)? {
            #[allow(dead_code)]
            type V = $crate::lanes::Lanes;
            $body
        }
        let kernel: $crate::lanes::Kernel = $kernel;
        debug_assert!(kernel.supported());
        match kernel {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: the kernel was checked to be supported by this CPU when it was set.
            $crate::lanes::Kernel::Avx512 => unsafe { avx512($($arg),*) },
            #[cfg(target_arch = "x86_64")]
            // SAFETY: as above.
            $crate::lanes::Kernel::Avx2 => unsafe { avx2($($arg),*) },
            #[allow(unreachable_patterns)]
            _ => portable($($arg),*),
        }
    }};
}
pub(crate) use dispatch;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_portable_kernel_is_always_available_and_best_is_the_last() {
        let all: Vec<Kernel> = Kernel::available().collect();
        assert_eq!(all.first(), Some(&Kernel::Portable));
        assert_eq!(all.last(), Some(&Kernel::best()));
        assert!(all.windows(2).all(|p| p[0] < p[1]));
        // AVX-512 needs AVX2 here (the kernel uses both).
        if Kernel::Avx512.supported() {
            assert!(Kernel::Avx2.supported());
        }
    }

    #[test]
    fn names_round_trip() {
        let names: Vec<&str> = Kernel::ALL.iter().map(|k| k.name()).collect();
        assert_eq!(names, ["portable", "avx2", "avx512"]);
        // `choose` and `chosen` rely on it.
        assert!(
            Kernel::ALL
                .iter()
                .enumerate()
                .all(|(i, &k)| k as usize == i)
        );
    }
}
