//! Drop-in replacements for APIs written for the RDK board.
pub mod board;
