//! hnswlib's three spaces.

use std::fmt;
use std::str::FromStr;

use crate::error::Error;

/// How distances are measured (hnswlib's `space` argument).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Space {
    /// Squared Euclidean distance `Σ (aᵢ - bᵢ)²` (no square root, as hnswlib).
    L2,
    /// Inner-product distance `1 - a·b` (can be negative).
    Ip,
    /// `ip` over vectors normalised at insert and at query:
    /// `1 - cos(a, b)`.
    Cosine,
}

impl Space {
    /// hnswlib's name: `"l2"`, `"ip"` or `"cosine"`.
    pub fn name(self) -> &'static str {
        match self {
            Space::L2 => "l2",
            Space::Ip => "ip",
            Space::Cosine => "cosine",
        }
    }

    /// Whether vectors are normalised before they are stored or searched.
    pub fn normalizes(self) -> bool {
        self == Space::Cosine
    }
}

impl fmt::Display for Space {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Space {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        match s {
            "l2" => Ok(Space::L2),
            "ip" => Ok(Space::Ip),
            "cosine" => Ok(Space::Cosine),
            other => Err(Error::UnknownSpace(other.into())),
        }
    }
}

/// hnswlib's `normalize_vector`: `x / (‖x‖ + 1e-30)`, summed in order in
/// f32 as the C++ loop does.
pub(crate) fn normalize_into(x: &[f32], out: &mut [f32]) {
    let mut norm = 0.0f32;
    for &v in x {
        norm += v * v;
    }
    let scale = 1.0f32 / (norm.sqrt() + 1e-30f32);
    for (o, &v) in out.iter_mut().zip(x) {
        *o = v * scale;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_others_are_refused() {
        for space in [Space::L2, Space::Ip, Space::Cosine] {
            assert_eq!(space.name().parse::<Space>().unwrap(), space);
        }
        assert!(
            matches!("angular".parse::<Space>(), Err(Error::UnknownSpace(s)) if s == "angular")
        );
    }

    #[test]
    fn normalisation_gives_unit_vectors_and_keeps_zero() {
        let mut out = [0.0; 2];
        normalize_into(&[3.0, 4.0], &mut out);
        assert_eq!(out, [0.6, 0.8]);
        normalize_into(&[0.0, 0.0], &mut out);
        assert_eq!(out, [0.0, 0.0]);
    }
}
