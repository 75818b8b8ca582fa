//! Causal temporal steps over a stream of frames.
//!
//! [`FrameDifference`] (`|f[t] - f[t-1]|` of a grey stream) lives in
//! [`oddframe::frame`], so that models which learn motion (the
//! convolutional autoencoder's `Input::Diff`) share it; it is re-exported
//! here beside the other frame transforms.

pub use oddframe::frame::FrameDifference;
