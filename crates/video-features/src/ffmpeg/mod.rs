//! Any video FFmpeg can open, decoded by the system `ffmpeg` program
//! (feature `ffmpeg`).
//!
//! [`Ffmpeg`] describes what to read and how; [`Ffmpeg::open`] asks
//! `ffprobe` for the stream's size and rate, then runs
//! `ffmpeg ... -f rawvideo -` and reads fixed-size frames from its stdout.
//! Nothing is linked: a program on the `PATH` (or a path you give) does
//! the decoding, so files (MP4, AVI, MKV, MOV), network streams
//! (`rtsp://`, `http://`), capture devices and `lavfi` test sources all
//! work, with no C toolchain at build time.
//!
//! The frames are the pictures the file holds, each once, in presentation
//! order, with its own presentation time as ffprobe reports it
//! (`-show_frames`, best-effort timestamp) — for constant-rate files,
//! variable-rate ones (screen recordings, phone videos) and live streams
//! alike; nothing is duplicated or dropped to meet a rate. Resampling to a
//! constant rate happens only when asked for with [`Ffmpeg::frame_rate`]
//! (ffmpeg's `fps` filter). The times come from ffmpeg's `metadata`
//! filter, printed for every frame on ffmpeg's error output next to its
//! log. Scaling and the conversion to RGB are done by ffmpeg. Grey frames
//! skip ffmpeg's conversion: the decoder's own 8-bit YUV or grey picture
//! comes through the pipe as YUV4MPEG2 and its luma plane is expanded to
//! full range here by a table lookup, which gives ffmpeg's own grey values
//! (exactly for YUV sources, within one level for RGB ones). Needs FFmpeg
//! 5.1 or later (for `-fps_mode`).
//!
//! Failure is an error, never a panic or a hang: a missing program, an
//! input ffmpeg cannot open, or ffmpeg exiting with an error is
//! [`SourceError::Ffmpeg`] carrying ffmpeg's message; decoder errors
//! ffmpeg logs while concealing them are reported at the end of the stream
//! unless tolerated; a stream that delivers nothing for the stall timeout
//! (default 30 s) is [`SourceError::Stalled`]. The child process never
//! outlives the source: dropping it kills and reaps ffmpeg.
//!
//! ```no_run
//! use std::time::Duration;
//! use video_features::ffmpeg::Ffmpeg;
//! use video_features::PixelFormat;
//!
//! let source = Ffmpeg::new("rtsp://camera.local/stream")
//!     .input_option("rtsp_transport", "tcp")
//!     .output(PixelFormat::Luma)
//!     .scale(64, 64)
//!     .every_millis(500)
//!     .stall_timeout(Duration::from_secs(10))
//!     .open()?;
//! for frame in source.take(20) {
//!     let frame = frame?;
//!     println!("{} at {:?}", frame.index(), frame.timestamp());
//! }
//! # Ok::<(), video_features::SourceError>(())
//! ```

mod probe;
mod process;
mod yuv;

use std::ffi::{OsStr, OsString};
use std::io::Read;
use std::path::PathBuf;
use std::process::{Child, ChildStdout, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use image::RgbImage;
use oddframe::Frame;

use crate::y4m::{Picture, Y4mReader};
pub use probe::{VideoInfo, PROBED_PACKETS};
use process::{Watchdog, Watched};
pub use yuv::YuvSource;

use crate::{frame_time, Limits, PixelFormat, SourceError};

/// What to read with ffmpeg and how; [`Ffmpeg::open`] starts it.
#[derive(Debug, Clone)]
pub struct Ffmpeg {
    input: OsString,
    input_format: Option<String>,
    input_options: Vec<(String, String)>,
    output: PixelFormat,
    size: Option<(u32, u32)>,
    start: Option<Duration>,
    duration: Option<Duration>,
    frame_rate: Option<(u32, u32)>,
    stall_timeout: Duration,
    tolerate_decode_errors: bool,
    limits: Limits,
    ffmpeg: PathBuf,
    ffprobe: PathBuf,
}

impl Ffmpeg {
    /// Reads `input`: a file path, a URL, a device or a `lavfi` graph
    /// (with [`Ffmpeg::input_format`]).
    pub fn new(input: impl AsRef<OsStr>) -> Self {
        Self {
            input: input.as_ref().to_owned(),
            input_format: None,
            input_options: Vec::new(),
            output: PixelFormat::Luma,
            size: None,
            start: None,
            duration: None,
            frame_rate: None,
            stall_timeout: Duration::from_secs(30),
            tolerate_decode_errors: false,
            limits: Limits::default(),
            ffmpeg: "ffmpeg".into(),
            ffprobe: "ffprobe".into(),
        }
    }

    /// Forces the input format (`-f FORMAT` before the input): `lavfi`,
    /// `v4l2`, `avfoundation`, ...
    pub fn input_format(mut self, format: impl Into<String>) -> Self {
        self.input_format = Some(format.into());
        self
    }

    /// Adds an input option `-NAME VALUE` (for example `rtsp_transport
    /// tcp`), given to both ffprobe and ffmpeg.
    pub fn input_option(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.input_options.push((name.into(), value.into()));
        self
    }

    /// Grey (default) or RGB frames.
    pub fn output(mut self, format: PixelFormat) -> Self {
        self.output = format;
        self
    }

    /// Frames scaled by ffmpeg to `width` x `height` (bicubic); by default
    /// the stream's display size.
    pub fn scale(mut self, width: u32, height: u32) -> Self {
        self.size = Some((width, height));
        self
    }

    /// Starts reading at `start` (ffmpeg's input seek); the frames keep
    /// the file's own times.
    pub fn start(mut self, start: Duration) -> Self {
        self.start = Some(start);
        self
    }

    /// Reads at most `duration` of video.
    pub fn duration(mut self, duration: Duration) -> Self {
        self.duration = Some(duration);
        self
    }

    /// Frames at `num / den` per second, chosen by ffmpeg's `fps` filter
    /// (the frame nearest each tick). Cheaper than decoding every frame
    /// into Rust and sampling there when the rate is far below the
    /// stream's; [`crate::sampling::Sampler`] keeps the first frame at or
    /// after each tick instead.
    pub fn frame_rate(mut self, num: u32, den: u32) -> Self {
        self.frame_rate = Some((num, den));
        self
    }

    /// One frame every `ms` milliseconds, by [`Ffmpeg::frame_rate`].
    pub fn every_millis(self, ms: u32) -> Self {
        self.frame_rate(1000, ms)
    }

    /// How long a read may wait for data before the stream counts as
    /// stalled and ffmpeg is killed (default 30 s; also bounds ffprobe).
    pub fn stall_timeout(mut self, timeout: Duration) -> Self {
        self.stall_timeout = timeout;
        self
    }

    /// Whether errors ffmpeg logs while decoding (and conceals) are
    /// accepted; by default they make the end of the stream an error.
    pub fn tolerate_decode_errors(mut self, tolerate: bool) -> Self {
        self.tolerate_decode_errors = tolerate;
        self
    }

    /// Upper bounds on the frame size (default [`Limits::default`]).
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// The `ffmpeg` and `ffprobe` programs to run (default: found on the
    /// `PATH`).
    pub fn programs(mut self, ffmpeg: impl Into<PathBuf>, ffprobe: impl Into<PathBuf>) -> Self {
        self.ffmpeg = ffmpeg.into();
        self.ffprobe = ffprobe.into();
        self
    }

    /// Asks ffprobe about the first video stream.
    ///
    /// # Errors
    /// [`SourceError::Ffmpeg`] when ffprobe is missing, cannot open the
    /// input or finds no video stream; [`SourceError::Stalled`] when it
    /// takes longer than the stall timeout.
    pub fn probe(&self) -> Result<VideoInfo, SourceError> {
        let mut cmd = Command::new(&self.ffprobe);
        cmd.args(["-v", "error", "-select_streams", "v:0", "-of", "flat"])
            .args(["-show_entries", PROBE_ENTRIES])
            .args(["-read_intervals", &format!("%+#{}", probe::PROBED_PACKETS)]);
        self.input_args(&mut cmd);
        let (status, out, err) =
            process::run_with_deadline(&self.ffprobe, &mut cmd, self.stall_timeout)?;
        let program = self.ffprobe.display().to_string();
        exit_error(&program, status, err)?;
        VideoInfo::parse_flat(&out).map_err(|message| SourceError::Ffmpeg { program, message })
    }

    /// Starts decoding.
    ///
    /// Grey frames come from ffmpeg as YUV4MPEG2, which states its own size
    /// and rate, so ffprobe runs only if [`FfmpegSource::info`] is asked
    /// for; RGB frames come as raw video of the size and rate ffprobe
    /// reported first. Returns once the stream's first bytes arrived.
    ///
    /// # Errors
    /// [`SourceError::Unsupported`] for a zero size, rate or timeout;
    /// [`SourceError::LimitExceeded`] for frames above the limits;
    /// [`SourceError::Ffmpeg`] when ffmpeg or ffprobe cannot be started or
    /// cannot open the input; [`SourceError::Stalled`] when nothing
    /// arrives within the stall timeout.
    pub fn open(self) -> Result<FfmpegSource, SourceError> {
        self.check()?;
        match self.output {
            PixelFormat::Luma => {
                // unscaled: the luma plane in any 8-bit layout the Y4M
                // reader knows, so a decoder's own output (say yuv420p)
                // passes through ffmpeg unconverted; the reader expands it
                // to full-range grey (a table lookup) and drops the chroma.
                // Scaled: grey from the scaler itself, which converts to
                // full range before filtering (as `-pix_fmt gray` does;
                // filtering limited-range values first clips overshoot
                // differently, by up to 18 levels at sharp edges)
                let filters = match self.size {
                    Some((w, h)) => vec![format!("scale={w}:{h}"), "format=gray".into()],
                    None => vec![Y4M_FORMATS.into()],
                };
                let mut cmd = self.command(&filters);
                cmd.args(["-strict", "-1", "-f", "yuv4mpegpipe"])
                    .args(DIRECT_OUTPUT);
                let mut source = FfmpegSource::spawn(self, cmd, None, 1 << 20)?;
                source.read_y4m_header()?;
                Ok(source)
            }
            _ => {
                let info = self.probe()?;
                let (width, height) = self.size.unwrap_or_else(|| info.display_size());
                // nominal: the frames keep their own times
                let rate = self.frame_rate.or(info.frame_rate).unwrap_or((0, 1));
                let bytes = u64::from(width) * u64::from(height) * 3;
                self.limits.check(width, height, bytes)?;
                let frame_bytes =
                    usize::try_from(bytes).map_err(|_| SourceError::LimitExceeded {
                        what: "frame size in bytes",
                        value: bytes,
                        limit: usize::MAX as u64,
                    })?;
                let mut cmd = self.command(&[]);
                // an explicit size, so frames are always the size read here
                cmd.arg("-s")
                    .arg(format!("{width}x{height}"))
                    .args(["-pix_fmt", "rgb24", "-f", "rawvideo"])
                    .args(DIRECT_OUTPUT);
                let mut source = FfmpegSource::spawn(self, cmd, Some(Ok(info)), frame_bytes)?;
                source.geometry = Some(((width, height), rate));
                source.frame_bytes = frame_bytes;
                Ok(source)
            }
        }
    }

    /// Starts decoding to the planes as the file stores them: the
    /// decoder's own YUV or grey samples, 8 bits or deeper (10-bit video
    /// stays 10-bit), unconverted — what full-reference quality is measured
    /// on ([`crate::quality::frame_quality`]). A decoder format a
    /// YUV4MPEG2 stream cannot carry (RGB, NV12, 4:1:1) is converted by
    /// ffmpeg to the nearest one it can, as ffmpeg's own quality filters
    /// convert it. Returns once the stream's header arrived.
    ///
    /// # Errors
    /// As [`Ffmpeg::open`].
    pub fn open_yuv(self) -> Result<YuvSource, SourceError> {
        self.check()?;
        let mut filters: Vec<String> = self
            .size
            .map(|(w, h)| format!("scale={w}:{h}"))
            .into_iter()
            .collect();
        filters.push(NATIVE_FORMATS.into());
        let mut cmd = self.command(&filters);
        cmd.args(["-strict", "-1", "-f", "yuv4mpegpipe"])
            .args(DIRECT_OUTPUT);
        let mut source = FfmpegSource::spawn(self, cmd, None, 1 << 20)?;
        source.read_y4m_header()?;
        Ok(YuvSource::new(source))
    }

    /// ffmpeg's arguments up to the output format: input, seek, duration,
    /// stream selection, the frame rate when one was asked for, `filters`,
    /// and the timestamp of every frame printed to stderr.
    fn command(&self, filters: &[String]) -> Command {
        let mut cmd = Command::new(&self.ffmpeg);
        // -copyts: the file's own presentation times, as ffprobe shows them
        cmd.args(["-nostdin", "-hide_banner", "-v", "error", "-copyts"]);
        if let Some(start) = self.start {
            cmd.arg("-ss").arg(seconds(start));
        }
        if let Some(d) = self.duration {
            cmd.arg("-t").arg(seconds(d));
        }
        self.input_args(&mut cmd);
        // passthrough: each decoded picture once, never a duplicate or a
        // drop to meet a rate; the fps filter resamples when asked to
        cmd.args([
            "-map",
            "0:v:0",
            "-an",
            "-sn",
            "-dn",
            "-fps_mode",
            "passthrough",
        ]);
        let chain: Vec<String> = self
            .frame_rate
            .map(|(num, den)| format!("fps={num}/{den}"))
            .into_iter()
            .chain(filters.iter().cloned())
            .chain([TIMESTAMPS.to_owned()])
            .collect();
        cmd.arg("-vf").arg(chain.join(","));
        cmd
    }

    fn check(&self) -> Result<(), SourceError> {
        let bad = |what: &str| Err(SourceError::Unsupported(format!("ffmpeg source: {what}")));
        if self.size.is_some_and(|(w, h)| w == 0 || h == 0) {
            return bad("scale to a zero width or height");
        }
        if self.frame_rate.is_some_and(|(n, d)| n == 0 || d == 0) {
            return bad("frame rate with a zero numerator or denominator");
        }
        if self.stall_timeout.is_zero() {
            return bad("zero stall timeout");
        }
        Ok(())
    }

    fn input_args(&self, cmd: &mut Command) {
        for (name, value) in &self.input_options {
            cmd.arg(format!("-{name}")).arg(value);
        }
        if let Some(f) = &self.input_format {
            cmd.args(["-f", f]);
        }
        cmd.arg("-i").arg(&self.input);
    }
}

/// The 8-bit pixel formats the Y4M reader decodes, grey first.
macro_rules! y4m_8bit_formats {
    () => {
        "gray|yuv420p|yuvj420p|yuv422p|yuvj422p|yuv444p|yuvj444p"
    };
}

/// The pixel formats asked of ffmpeg for grey output: those the Y4M reader
/// decodes, grey first; ffmpeg keeps the decoder's format when it is one
/// of them and otherwise converts to the nearest.
const Y4M_FORMATS: &str = concat!("format=", y4m_8bit_formats!());

/// Every pixel format a YUV4MPEG2 stream carries, 8-bit first: ffmpeg
/// keeps the decoder's format when it is one of them.
const NATIVE_FORMATS: &str = concat!(
    "format=",
    y4m_8bit_formats!(),
    "|gray9le|gray10le|gray12le|gray16le|yuv420p9le|yuv420p10le|yuv420p12le|yuv420p14le|\
yuv420p16le|yuv422p9le|yuv422p10le|yuv422p12le|yuv422p14le|yuv422p16le|\
yuv444p9le|yuv444p10le|yuv444p12le|yuv444p14le|yuv444p16le"
);

/// Standard output, written without ffmpeg's 32 KiB I/O buffer: one write
/// per frame into the (enlarged) pipe instead of a wake-up of the reader
/// every 32 KiB.
const DIRECT_OUTPUT: [&str; 3] = ["-avioflags", "direct", "-"];

/// The end of every filter chain: times in microseconds, printed for each
/// frame by the `metadata` filter straight to stderr (`pipe:2`), where
/// [`process::read_log`] picks them out of the log. The filter prints
/// only frames carrying its key, so the key is added first.
const TIMESTAMPS: &str = "settb=AVTB,metadata=mode=add:key=oddframe.pts:value=1,\
metadata=mode=print:key=oddframe.pts:file='pipe\\:2':direct=1";

const PROBE_ENTRIES: &str = "stream=codec_name,width,height,avg_frame_rate,r_frame_rate,\
nb_frames,duration,bit_rate:stream_side_data=rotation:format=format_name,duration,bit_rate:\
packet=pts";

/// Asks for a pipe that holds a whole frame (up to the system's limit for
/// unprivileged processes, 1 MiB by default on Linux): ffmpeg then writes a
/// frame in one go instead of waking the reader every 64 KiB. Failure only
/// costs speed.
#[cfg(target_os = "linux")]
fn enlarge_pipe(pipe: &ChildStdout, bytes: usize) {
    let want = bytes.clamp(1 << 16, 1 << 20);
    let _ = rustix::pipe::fcntl_setpipe_size(pipe, want);
}

#[cfg(not(target_os = "linux"))]
fn enlarge_pipe(_: &ChildStdout, _: usize) {}

/// An error carrying the program's log (or its exit status when it said
/// nothing) unless it exited successfully.
fn exit_error(program: &str, status: ExitStatus, log: String) -> Result<(), SourceError> {
    if status.success() {
        return Ok(());
    }
    Err(SourceError::Ffmpeg {
        program: program.to_owned(),
        message: if log.is_empty() {
            format!("exited with {status}")
        } else {
            log
        },
    })
}

/// Seconds with microsecond precision, as ffmpeg's time options take them.
fn seconds(d: Duration) -> String {
    format!("{}.{:06}", d.as_secs(), d.subsec_micros())
}

/// Frames decoded by a running `ffmpeg`; see the [module docs](self).
///
/// Yields `Result<Frame>`; after an error it yields nothing more. Dropping
/// it kills ffmpeg.
#[derive(Debug)]
pub struct FfmpegSource {
    config: Ffmpeg,
    /// ffprobe's answer, once asked for (grey output does not need it).
    probe: Option<Result<VideoInfo, SourceError>>,
    child: Arc<Mutex<Child>>,
    output: Output,
    stderr: Option<JoinHandle<String>>,
    dog: Watchdog,
    /// Frame size and rate, once known.
    geometry: Option<((u32, u32), (u32, u32))>,
    frame_bytes: usize,
    /// Each frame's time, in order, from the stderr reader.
    stamps: Receiver<process::Stamp>,
    last_time: Option<Duration>,
    next_index: u64,
    done: bool,
}

/// What ffmpeg writes.
#[derive(Debug)]
enum Output {
    /// Raw RGB frames of the size in `geometry` (for grey output: the
    /// pipe before its YUV4MPEG2 header is read).
    Raw(Watched),
    /// A YUV4MPEG2 stream of grey frames, after its header.
    Y4m(Y4mReader<Watched>),
    /// Nothing more to read.
    Closed,
}

impl FfmpegSource {
    fn spawn(
        config: Ffmpeg,
        mut cmd: Command,
        probe: Option<Result<VideoInfo, SourceError>>,
        pipe_bytes: usize,
    ) -> Result<Self, SourceError> {
        let mut child = process::spawn(
            &config.ffmpeg,
            cmd.stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped()),
        )?;
        let (stdout, stderr) = match process::take_pipes(&mut child) {
            Ok(pipes) => pipes,
            Err(e) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(e);
            }
        };
        enlarge_pipe(&stdout, pipe_bytes);
        let child = Arc::new(Mutex::new(child));
        let dog = Watchdog::start(Arc::clone(&child), config.stall_timeout);
        let output = Output::Raw(Watched::new(stdout, &dog));
        let (sender, stamps) = mpsc::channel();
        Ok(Self {
            config,
            probe,
            child,
            output,
            stderr: Some(process::read_log(stderr, Some(sender))),
            dog,
            geometry: None,
            frame_bytes: 0,
            stamps,
            last_time: None,
            next_index: 0,
            done: false,
        })
    }

    /// Reads the YUV4MPEG2 header: the frame size and rate.
    fn read_y4m_header(&mut self) -> Result<(), SourceError> {
        let Output::Raw(pipe) = std::mem::replace(&mut self.output, Output::Closed) else {
            return Ok(());
        };
        self.dog.progress();
        let r = Y4mReader::with_limits(pipe, self.config.limits);
        self.dog.disarm();
        let reader = r.map_err(|e| self.explain(e))?;
        let h = reader.header();
        self.geometry = Some(((h.width, h.height), h.frame_rate));
        self.output = Output::Y4m(reader);
        Ok(())
    }

    /// What ffprobe reports about the input (run on the first call for
    /// grey output, before decoding for RGB).
    ///
    /// # Errors
    /// What [`Ffmpeg::probe`] returned, as a [`SourceError::Ffmpeg`].
    pub fn info(&mut self) -> Result<&VideoInfo, SourceError> {
        let config = &self.config;
        match self.probe.get_or_insert_with(|| config.probe()) {
            Ok(info) => Ok(info),
            Err(e) => Err(SourceError::Ffmpeg {
                program: config.ffprobe.display().to_string(),
                message: e.to_string(),
            }),
        }
    }

    /// Width and height of the frames this source yields.
    pub fn frame_size(&self) -> (u32, u32) {
        self.geometry.map_or((0, 0), |g| g.0)
    }

    /// The nominal rate of the frames, `(num, den)` per second: the rate
    /// asked for, or the stream's own (for a variable-rate input only a
    /// guide; each frame carries its own time); `(0, 1)` when unknown.
    pub fn frame_rate(&self) -> (u32, u32) {
        self.geometry.map_or((0, 1), |g| g.1)
    }

    /// Process id of the running ffmpeg.
    pub fn process_id(&self) -> u32 {
        self.child
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .id()
    }

    fn program(&self) -> String {
        self.config.ffmpeg.display().to_string()
    }

    /// The next picture with its index and time: raw RGB, or the planes
    /// of a YUV4MPEG2 stream.
    fn read_next(&mut self) -> Result<Option<(Decoded, u64, Duration)>, SourceError> {
        let (w, h) = self.frame_size();
        self.dog.progress();
        let r = match &mut self.output {
            Output::Raw(pipe) => read_rgb(pipe, w, h),
            Output::Y4m(reader) => reader
                .read_frame()
                .map(|f| f.map_or(Step::End(0), |f| Step::Got(Decoded::Planes(f)))),
            Output::Closed => Ok(Step::End(0)),
        };
        self.dog.disarm();
        match r {
            Ok(Step::End(got)) => self.end_of_stream(got).map(|()| None),
            Ok(Step::Got(picture)) => {
                let index = self.next_index;
                let t = self.frame_time(index)?;
                self.next_index += 1;
                Ok(Some((picture, index, t)))
            }
            Err(e) => Err(self.explain(e)),
        }
    }

    /// The next picture's planes (for a source opened by
    /// [`Ffmpeg::open_yuv`]).
    fn read_picture(&mut self) -> Result<Option<Picture>, SourceError> {
        match self.read_next()? {
            None => Ok(None),
            Some((Decoded::Planes(f), index, t)) => Ok(Some(Picture::new(f, index, t))),
            Some((Decoded::Rgb(_), ..)) => Err(SourceError::Mismatch(
                "an RGB source has no YUV planes".into(),
            )),
        }
    }

    fn read_frame(&mut self) -> Result<Option<Frame>, SourceError> {
        // a requested rate fixes each frame's duration; a file's own
        // pictures carry none ffmpeg prints
        let shown = self.config.frame_rate.map(|r| frame_time(1, r));
        Ok(self.read_next()?.map(|(picture, index, t)| {
            match picture {
                Decoded::Planes(f) => Frame::luma(f.into_luma(), index, t),
                Decoded::Rgb(buffer) => Frame::new(buffer, index, t),
            }
            .with_duration(shown)
        }))
    }

    /// The presentation time of frame `index`, which ffmpeg printed before
    /// writing the frame. A time before zero counts as zero; a frame
    /// without one is placed a nominal frame interval after the previous.
    fn frame_time(&mut self, index: u64) -> Result<Duration, SourceError> {
        let lost = |what: String| SourceError::Ffmpeg {
            program: self.program(),
            message: format!("frame {index}: {what}"),
        };
        let (n, pts) = match self.stamps.recv_timeout(self.config.stall_timeout) {
            Ok(stamp) => stamp,
            Err(RecvTimeoutError::Timeout) => return Err(self.stalled()),
            Err(RecvTimeoutError::Disconnected) => {
                return Err(lost("ffmpeg printed no timestamp for it".into()))
            }
        };
        if n != index {
            return Err(lost(format!("ffmpeg printed the timestamp of frame {n}")));
        }
        let t = match pts {
            Some(us) => Duration::from_micros(u64::try_from(us).unwrap_or(0)),
            None => match self.last_time {
                Some(last) => last + frame_time(1, self.frame_rate()),
                None => Duration::ZERO,
            },
        };
        self.last_time = Some(t);
        Ok(t)
    }

    fn stalled(&self) -> SourceError {
        SourceError::Stalled {
            program: self.program(),
            timeout: self.config.stall_timeout,
        }
    }

    /// Waits for ffmpeg and its log.
    fn wait(&mut self) -> Result<(ExitStatus, String), SourceError> {
        let status = self
            .child
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .wait()?;
        let log = self
            .stderr
            .take()
            .and_then(|t| t.join().ok())
            .unwrap_or_default();
        Ok((status, log))
    }

    /// Why reading failed: a stall, ffmpeg's own error, or `e`.
    fn explain(&mut self, e: SourceError) -> SourceError {
        if self.dog.fired() {
            return self.stalled();
        }
        // data still flowing: the error is in what ffmpeg sent
        if !self.dog.saw_eof() {
            let mut child = self.child.lock().unwrap_or_else(PoisonError::into_inner);
            let _ = child.kill();
            return e;
        }
        // ffmpeg closed its output: its exit status and log explain why
        match self.wait() {
            Ok((status, log)) => match exit_error(&self.program(), status, log) {
                Err(ffmpeg) => ffmpeg,
                Ok(()) => e,
            },
            Err(_) => e,
        }
    }

    /// ffmpeg closed its output after `got` bytes of a frame: its exit
    /// status and log decide between a clean end and an error.
    fn end_of_stream(&mut self, got: usize) -> Result<(), SourceError> {
        if self.dog.fired() {
            return Err(self.stalled());
        }
        let (status, log) = self.wait()?;
        let program = self.program();
        if status.success() && got == 0 && !log.is_empty() && !self.config.tolerate_decode_errors {
            let message = format!("errors while decoding: {log}");
            return Err(SourceError::Ffmpeg { program, message });
        }
        exit_error(&program, status, log)?;
        if got > 0 {
            return Err(SourceError::Truncated {
                frame: self.next_index,
                offset: self.next_index * self.frame_bytes as u64,
                expected: self.frame_bytes,
                got,
            });
        }
        Ok(())
    }
}

/// A whole picture read from ffmpeg's output.
enum Decoded {
    /// An RGB frame.
    Rgb(oddframe::FrameBuffer),
    /// A frame's planes as stored.
    Planes(crate::y4m::Y4mFrame),
}

/// One read from ffmpeg's output.
enum Step {
    /// A whole picture.
    Got(Decoded),
    /// The end of the output after this many bytes of a frame.
    End(usize),
}

/// One raw RGB frame of `w x h`, or the end of the output.
fn read_rgb(pipe: &mut Watched, w: u32, h: u32) -> Result<Step, SourceError> {
    let n = w as usize * h as usize * 3;
    let mut buf = Vec::new();
    buf.try_reserve_exact(n)
        .map_err(|_| SourceError::LimitExceeded {
            what: "frame allocation (failed)",
            value: n as u64,
            limit: 0,
        })?;
    let got = pipe.take(n as u64).read_to_end(&mut buf)?;
    if got < n {
        return Ok(Step::End(got));
    }
    RgbImage::from_raw(w, h, buf)
        .map(|img| Step::Got(Decoded::Rgb(oddframe::FrameBuffer::Rgb(img))))
        .ok_or_else(|| SourceError::Mismatch("frame buffer of the wrong size".into()))
}

impl Iterator for FfmpegSource {
    type Item = Result<Frame, SourceError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let r = self.read_frame();
        if !matches!(r, Ok(Some(_))) {
            self.done = true;
        }
        r.transpose()
    }
}

impl Drop for FfmpegSource {
    fn drop(&mut self) {
        let mut child = self.child.lock().unwrap_or_else(PoisonError::into_inner);
        if matches!(child.try_wait(), Ok(None)) {
            let _ = child.kill();
        }
        let _ = child.wait();
    }
}
