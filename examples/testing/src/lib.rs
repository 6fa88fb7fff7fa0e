//! Testing code behind flags (work in progress).
