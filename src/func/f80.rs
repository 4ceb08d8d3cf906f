//! A software x87 80-bit extended float (`long double` on x86-64 Linux), just enough of it to
//! reproduce SQLite's `printf` digit generation and `sqlite3AtoF` bit for bit.
//!
//! SQLite computes decimal digits with `LONGDOUBLE_TYPE` arithmetic (64-bit mantissa, round to
//! nearest even). Rust has no such type, so [`F80`] emulates it.
//!
//! Invariants: a non-zero value has `mant` normalised (bit 63 set) and represents
//! `(-1)^neg * mant * 2^exp`; zero is `mant == 0` (sign kept). Every operation rounds its exact
//! result once to 64 mantissa bits, nearest-even, as the x87 does with precision control set to
//! extended. Exponent range is not limited (no overflow to infinity inside the emulation); the
//! callers only need finite values within `f64`'s range times a few powers of ten. Infinity and
//! NaN are represented by the `special` field and propagate.

use std::cmp::Ordering;

#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Special {
    Finite,
    Inf,
    NaN,
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct F80 {
    pub neg: bool,
    pub exp: i32,
    pub mant: u64,
    pub special: Special,
}

impl F80 {
    pub const ZERO: F80 = F80 {
        neg: false,
        exp: 0,
        mant: 0,
        special: Special::Finite,
    };

    pub fn from_f64(x: f64) -> F80 {
        if x.is_nan() {
            return F80 {
                special: Special::NaN,
                ..F80::ZERO
            };
        }
        let neg = x.is_sign_negative();
        if x.is_infinite() {
            return F80 {
                neg,
                special: Special::Inf,
                ..F80::ZERO
            };
        }
        let bits = x.to_bits();
        let e = ((bits >> 52) & 0x7ff) as i32;
        let frac = bits & ((1u64 << 52) - 1);
        if e == 0 {
            if frac == 0 {
                return F80 { neg, ..F80::ZERO };
            }
            // Subnormal: value = frac * 2^-1074.
            return F80::from_parts(neg, frac as u128, -1074, false);
        }
        let m = frac | (1u64 << 52);
        F80 {
            neg,
            exp: e - 1075 - 11,
            mant: m << 11,
            special: Special::Finite,
        }
    }

    pub fn from_u64(u: u64) -> F80 {
        F80::from_parts(false, u as u128, 0, false)
    }

    pub fn from_i64(i: i64) -> F80 {
        let mut r = F80::from_u64(i.unsigned_abs());
        r.neg = i < 0;
        r
    }

    /// Round `m * 2^e` (plus a sticky bit below `m`) to 64 mantissa bits.
    fn from_parts(neg: bool, m: u128, e: i32, sticky: bool) -> F80 {
        if m == 0 {
            return F80 { neg, ..F80::ZERO };
        }
        let lz = m.leading_zeros() as i32;
        // Shift so the top bit is at position 127.
        let m = m << lz;
        let e = e - lz;
        let hi = (m >> 64) as u64;
        let lo = m as u64;
        let half = 1u64 << 63;
        let round_up = lo > half || (lo == half && (sticky || hi & 1 == 1));
        let (mut hi, mut e) = (hi, e + 64);
        if round_up {
            let (nh, carry) = hi.overflowing_add(1);
            if carry {
                hi = half;
                e += 1;
            } else {
                hi = nh;
            }
        }
        F80 {
            neg,
            exp: e,
            mant: hi,
            special: Special::Finite,
        }
    }

    pub fn is_zero(&self) -> bool {
        self.special == Special::Finite && self.mant == 0
    }

    pub fn is_nan(&self) -> bool {
        self.special == Special::NaN
    }

    pub fn neg(mut self) -> F80 {
        self.neg = !self.neg;
        self
    }

    pub fn mul(self, o: F80) -> F80 {
        let neg = self.neg != o.neg;
        match (self.special, o.special) {
            (Special::NaN, _) | (_, Special::NaN) => {
                return F80 {
                    special: Special::NaN,
                    ..F80::ZERO
                }
            }
            (Special::Inf, _) | (_, Special::Inf) => {
                if self.is_zero() || o.is_zero() {
                    return F80 {
                        special: Special::NaN,
                        ..F80::ZERO
                    };
                }
                return F80 {
                    neg,
                    special: Special::Inf,
                    ..F80::ZERO
                };
            }
            _ => {}
        }
        if self.mant == 0 || o.mant == 0 {
            return F80 { neg, ..F80::ZERO };
        }
        let p = self.mant as u128 * o.mant as u128;
        F80::from_parts(neg, p, self.exp + o.exp, false)
    }

    pub fn div(self, o: F80) -> F80 {
        let neg = self.neg != o.neg;
        match (self.special, o.special) {
            (Special::NaN, _) | (_, Special::NaN) => {
                return F80 {
                    special: Special::NaN,
                    ..F80::ZERO
                }
            }
            (Special::Inf, Special::Inf) => {
                return F80 {
                    special: Special::NaN,
                    ..F80::ZERO
                }
            }
            (Special::Inf, _) => {
                return F80 {
                    neg,
                    special: Special::Inf,
                    ..F80::ZERO
                }
            }
            (_, Special::Inf) => return F80 { neg, ..F80::ZERO },
            _ => {}
        }
        if o.mant == 0 {
            if self.mant == 0 {
                return F80 {
                    special: Special::NaN,
                    ..F80::ZERO
                };
            }
            return F80 {
                neg,
                special: Special::Inf,
                ..F80::ZERO
            };
        }
        if self.mant == 0 {
            return F80 { neg, ..F80::ZERO };
        }
        let num = (self.mant as u128) << 64;
        let den = o.mant as u128;
        let mut q = num / den;
        let mut r = num % den;
        // Three more quotient bits for rounding, then a sticky bit.
        for _ in 0..3 {
            r <<= 1;
            q <<= 1;
            if r >= den {
                r -= den;
                q |= 1;
            }
        }
        F80::from_parts(neg, q, self.exp - 64 - o.exp - 3, r != 0)
    }

    pub fn add(self, o: F80) -> F80 {
        match (self.special, o.special) {
            (Special::NaN, _) | (_, Special::NaN) => {
                return F80 {
                    special: Special::NaN,
                    ..F80::ZERO
                }
            }
            (Special::Inf, Special::Inf) => {
                if self.neg != o.neg {
                    return F80 {
                        special: Special::NaN,
                        ..F80::ZERO
                    };
                }
                return self;
            }
            (Special::Inf, _) => return self,
            (_, Special::Inf) => return o,
            _ => {}
        }
        if o.mant == 0 {
            if self.mant == 0 {
                return F80 {
                    neg: self.neg && o.neg,
                    ..F80::ZERO
                };
            }
            return self;
        }
        if self.mant == 0 {
            return o;
        }
        // Order by magnitude.
        let (a, b) = if self.cmp_abs(&o) == Ordering::Less {
            (o, self)
        } else {
            (self, o)
        };
        // Place a's mantissa at bits 125..62 of a u128 (room for a carry).
        let am = (a.mant as u128) << 62;
        let shift = (a.exp - b.exp) as i64;
        let bm_full = (b.mant as u128) << 62;
        let (bm, sticky) = if shift >= 126 {
            (0u128, true)
        } else {
            let s = shift as u32;
            let lost = if s == 0 {
                0
            } else {
                bm_full & ((1u128 << s) - 1)
            };
            (bm_full >> s, lost != 0)
        };
        let e = a.exp - 62;
        if a.neg == b.neg {
            // Sticky below the lowest kept bit: fold it as a 1 in an extra low bit.
            let sum = ((am + bm) << 1) | sticky as u128;
            F80::from_parts_sticky(a.neg, sum, e - 1)
        } else {
            // a - b with b's lost bits: subtract one extra low bit if any were lost.
            let diff = ((am - bm) << 1).wrapping_sub(sticky as u128);
            F80::from_parts_sticky(a.neg, diff, e - 1)
        }
    }

    /// Like `from_parts` but the lowest bit of `m` is itself a sticky bit (it is never exactly
    /// the halfway bit because there are at least 60 guard bits above it).
    fn from_parts_sticky(neg: bool, m: u128, e: i32) -> F80 {
        if m == 0 {
            return F80 {
                neg: false,
                ..F80::ZERO
            };
        }
        F80::from_parts(neg, m, e, false)
    }

    pub fn sub(self, o: F80) -> F80 {
        self.add(o.neg())
    }

    fn cmp_abs(&self, o: &F80) -> Ordering {
        match (self.mant == 0, o.mant == 0) {
            (true, true) => return Ordering::Equal,
            (true, false) => return Ordering::Less,
            (false, true) => return Ordering::Greater,
            _ => {}
        }
        (self.exp + 63)
            .cmp(&(o.exp + 63))
            .then(self.mant.cmp(&o.mant))
    }

    /// Numeric comparison (`None` if either is NaN).
    pub fn partial_cmp(&self, o: &F80) -> Option<Ordering> {
        if self.is_nan() || o.is_nan() {
            return None;
        }
        let sa = if self.is_zero() {
            0
        } else if self.neg {
            -1
        } else {
            1
        };
        let sb = if o.is_zero() {
            0
        } else if o.neg {
            -1
        } else {
            1
        };
        if sa != sb {
            return Some(sa.cmp(&sb));
        }
        if sa == 0 {
            return Some(Ordering::Equal);
        }
        let inf_a = self.special == Special::Inf;
        let inf_b = o.special == Special::Inf;
        let mag = match (inf_a, inf_b) {
            (true, true) => Ordering::Equal,
            (true, false) => Ordering::Greater,
            (false, true) => Ordering::Less,
            _ => self.cmp_abs(o),
        };
        Some(if sa < 0 { mag.reverse() } else { mag })
    }

    pub fn ge(&self, o: F80) -> bool {
        matches!(
            self.partial_cmp(&o),
            Some(Ordering::Greater | Ordering::Equal)
        )
    }

    pub fn lt(&self, o: F80) -> bool {
        matches!(self.partial_cmp(&o), Some(Ordering::Less))
    }

    /// Truncate toward zero to an integer (C's `(int)x` for small values).
    pub fn trunc_i64(&self) -> i64 {
        if self.special != Special::Finite || self.mant == 0 {
            return 0;
        }
        let v: u64 = if self.exp >= 0 {
            if self.exp > 0 {
                u64::MAX
            } else {
                self.mant
            }
        } else if self.exp <= -64 {
            0
        } else {
            self.mant >> (-self.exp) as u32
        };
        let v = v.min(i64::MAX as u64) as i64;
        if self.neg {
            -v
        } else {
            v
        }
    }

    /// Round to the nearest `f64` (nearest-even), with overflow to infinity and gradual
    /// underflow.
    pub fn to_f64(&self) -> f64 {
        let sign = if self.neg { -1.0 } else { 1.0 };
        match self.special {
            Special::NaN => return f64::NAN,
            Special::Inf => return sign * f64::INFINITY,
            Special::Finite => {}
        }
        if self.mant == 0 {
            return sign * 0.0;
        }
        // Value = mant * 2^exp, mant in [2^63, 2^64). Unbiased exponent of leading bit:
        let top = self.exp + 63;
        if top > 1023 {
            return sign * f64::INFINITY;
        }
        // Number of mantissa bits kept: 53 for normal numbers, fewer for subnormals.
        let keep: i32 = if top >= -1022 { 53 } else { 53 - (-1022 - top) };
        if keep <= 0 {
            // Below half the smallest subnormal (or exactly / above it).
            if keep == 0 {
                // Value in [2^-1075, 2^-1074): rounds to min subnormal if > half.
                let above_half = self.mant > (1u64 << 63);
                return if above_half {
                    sign * f64::from_bits(1)
                } else {
                    sign * 0.0
                };
            }
            return sign * 0.0;
        }
        let drop = 64 - keep as u32;
        let mut m = self.mant >> drop;
        let rem = self.mant & ((1u64 << drop) - 1);
        let half = 1u64 << (drop - 1);
        if rem > half || (rem == half && m & 1 == 1) {
            m += 1;
        }
        // m * 2^(exp + drop); build via exact scaling (m < 2^54 so f64 holds it exactly).
        let e2 = self.exp + drop as i32;
        sign * ldexp(m as f64, e2)
    }
}

/// `x * 2^e`, exact when the result is representable (scales in steps to avoid overflow of
/// the intermediate power).
fn ldexp(mut x: f64, mut e: i32) -> f64 {
    while e > 1000 {
        x *= f64::from_bits(((1000 + 1023) as u64) << 52);
        e -= 1000;
    }
    while e < -1000 {
        // Multiply by 2^-1000 carefully: only the last step may round (subnormal results).
        x *= f64::from_bits(((-1000i32 + 1023) as u64) << 52);
        e += 1000;
    }
    x * f64::from_bits(((e + 1023) as u64) << 52)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_f64() {
        for x in [
            0.1,
            1.0,
            3.5,
            1e300,
            1e-300,
            5e-324,
            123456789.123,
            f64::MAX,
            f64::MIN_POSITIVE,
        ] {
            assert_eq!(F80::from_f64(x).to_f64(), x);
            assert_eq!(F80::from_f64(-x).to_f64(), -x);
        }
    }

    #[test]
    fn arithmetic_basics() {
        let a = F80::from_f64(1.5);
        let b = F80::from_f64(2.25);
        assert_eq!(a.add(b).to_f64(), 3.75);
        assert_eq!(b.sub(a).to_f64(), 0.75);
        assert_eq!(a.sub(b).to_f64(), -0.75);
        assert_eq!(a.mul(b).to_f64(), 3.375);
        assert_eq!(F80::from_f64(1.0).div(F80::from_f64(4.0)).to_f64(), 0.25);
        // 1/3 in extended precision rounds to f64 1/3.
        assert_eq!(
            F80::from_f64(1.0).div(F80::from_f64(3.0)).to_f64(),
            1.0 / 3.0
        );
        assert_eq!(F80::from_f64(7.9).trunc_i64(), 7);
        assert_eq!(F80::from_i64(-12).to_f64(), -12.0);
        // Extended precision keeps bits f64 would lose: (2^60 + 1) - 2^60 = 1.
        let big = F80::from_u64((1u64 << 60) + 1);
        assert_eq!(big.sub(F80::from_u64(1u64 << 60)).to_f64(), 1.0);
    }
}
