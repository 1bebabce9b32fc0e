//! Animations as GIFs: a figure drawn for every frame of a run and written with one global
//! palette, each frame only the rectangle that changed (the rest transparent), so that a
//! hundred frames of a slowly growing path stay small.

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use plotters::coord::Shift;
use plotters::prelude::*;
use rayon::prelude::*;

use super::{msg, render, DataFit, Figure, TrainFigure};
use crate::io::write_atomic_stream;
use crate::number::human;
use crate::{Error, Result};

/// Where to write an animation; parsing refuses anything but a `.gif`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GifPath(pub PathBuf);

impl FromStr for GifPath {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Self, String> {
        let path = PathBuf::from(s);
        match path.extension().and_then(|e| e.to_str()) {
            Some(e) if e.eq_ignore_ascii_case("gif") => Ok(GifPath(path)),
            _ => Err(format!("`{s}` is not a .gif file: animations are GIFs")),
        }
    }
}

impl GifPath {
    pub fn as_path(&self) -> &Path {
        &self.0
    }
}

/// One frame of an animated training run: the run so far over its landscape and loss, the data
/// with the current line(s) beside it, under a title saying where the run is.
#[derive(Debug, Clone)]
pub struct Frame {
    pub title: String,
    pub train: TrainFigure,
    pub data: Option<DataFit>,
}

/// Room above the panels for a frame's title.
const TITLE: u32 = 44;

impl Figure for Frame {
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
    ) -> std::result::Result<(), String> {
        root.fill(&WHITE).map_err(msg)?;
        let root = super::titled(root, &self.title, 28)?;
        let (left, right) = root.split_horizontally(self.train.size().0);
        self.train.draw(&left)?;
        if let Some(data) = &self.data {
            data.draw(&right)?;
        }
        Ok(())
    }

    fn size(&self) -> (u32, u32) {
        let (w, h) = self.train.size();
        let data = self.data.as_ref().map_or(0, |d| d.size().0);
        (w + data, h + TITLE)
    }
}

/// The frames of an animation and their rate when none are asked for (`--frames`, `--fps`).
pub const FRAMES: u64 = 100;
pub const FPS: u64 = 12;

/// Draws `count` frames (`frame(k)` for `k` in `0..count`) into a GIF at `fps` frames a second,
/// the last held a second longer, and writes it atomically to `path`. Frames are drawn in
/// parallel, a few at a time.
pub fn save_gif<F: Figure + Send>(
    count: usize,
    fps: u32,
    frame: impl Fn(usize) -> F + Sync,
    path: &Path,
) -> Result<()> {
    encode_gif(count, fps, frame, |write| write_atomic_stream(path, write))
}

/// The GIF [`save_gif`] writes, as bytes (the playground sends them).
pub fn gif_bytes<F: Figure + Send>(
    count: usize,
    fps: u32,
    frame: impl Fn(usize) -> F + Sync,
) -> Result<Vec<u8>> {
    encode_gif(count, fps, frame, |write| {
        let mut out = Vec::new();
        write(&mut out).map_err(|e| Error::Plot(e.to_string()))?;
        Ok(out)
    })
}

/// Learns the palette from the first and last frames (refusing what a GIF cannot hold before
/// anything is written), then hands `finish` the writer of the whole GIF.
fn encode_gif<F: Figure + Send, R>(
    count: usize,
    fps: u32,
    frame: impl Fn(usize) -> F + Sync,
    finish: impl FnOnce(&dyn Fn(&mut dyn std::io::Write) -> std::io::Result<()>) -> Result<R>,
) -> Result<R> {
    if count == 0 {
        return Err(Error::Plot("an animation needs at least one frame".into()));
    }
    let first = frame(0);
    let (w, h) = first.size();
    let (gw, gh) = (
        u16::try_from(w).map_err(|_| Error::Plot("frame too wide for a GIF".into()))?,
        u16::try_from(h).map_err(|_| Error::Plot("frame too tall for a GIF".into()))?,
    );
    // One palette for every frame, learnt from the first and the last (the background and the
    // finished path): 255 colours, index 255 left for "unchanged".
    let last = render(&frame(count - 1))?;
    let mut sample: Vec<u8> = Vec::with_capacity(2 * (w * h) as usize * 4 / 4);
    for rgb in [render(&first)?, last] {
        for px in rgb.chunks_exact(3).step_by(2) {
            sample.extend_from_slice(&[px[0], px[1], px[2], 255]);
        }
    }
    let quant = color_quant::NeuQuant::new(10, 255, &sample);
    let mut palette = quant.color_map_rgb();
    palette.resize(256 * 3, 0);
    let delay = u16::try_from((100 / fps.max(1)).max(2)).unwrap_or(8);
    let write = |out: &mut dyn std::io::Write| -> std::io::Result<()> {
        let mut encoder =
            gif::Encoder::new(out, gw, gh, &palette).map_err(std::io::Error::other)?;
        encoder
            .set_repeat(gif::Repeat::Infinite)
            .map_err(std::io::Error::other)?;
        let mut cache: HashMap<[u8; 3], u8> = HashMap::new();
        let mut previous: Option<Vec<u8>> = None;
        let batch = 2 * rayon::current_num_threads().max(1);
        for start in (0..count).step_by(batch) {
            let end = (start + batch).min(count);
            let drawn: Vec<Result<Vec<u8>>> = (start..end)
                .into_par_iter()
                .map(|k| render(&frame(k)))
                .collect();
            for (k, rgb) in (start..end).zip(drawn) {
                let rgb = rgb.map_err(|e| std::io::Error::other(e.to_string()))?;
                let indices: Vec<u8> = rgb
                    .chunks_exact(3)
                    .map(|px| {
                        let key = [px[0], px[1], px[2]];
                        *cache
                            .entry(key)
                            .or_insert_with(|| quant.index_of(&[px[0], px[1], px[2], 255]) as u8)
                    })
                    .collect();
                let mut gif_frame = changed(&indices, previous.as_deref(), w as usize, h as usize);
                gif_frame.delay = if k + 1 == count { delay + 100 } else { delay };
                encoder
                    .write_frame(&gif_frame)
                    .map_err(std::io::Error::other)?;
                previous = Some(indices);
            }
        }
        Ok(())
    };
    finish(&write)
}

/// The GIF frame that turns `previous` into `now`: the bounding box of the changed pixels, the
/// unchanged ones inside it transparent (index 255), drawn over what was there.
fn changed(now: &[u8], previous: Option<&[u8]>, w: usize, h: usize) -> gif::Frame<'static> {
    let mut frame = gif::Frame {
        dispose: gif::DisposalMethod::Keep,
        transparent: Some(255),
        ..gif::Frame::default()
    };
    let Some(previous) = previous else {
        frame.width = w as u16;
        frame.height = h as u16;
        frame.buffer = Cow::Owned(now.to_vec());
        return frame;
    };
    let (mut x0, mut y0, mut x1, mut y1) = (w, h, 0, 0);
    for y in 0..h {
        let row = y * w;
        for x in 0..w {
            if now[row + x] != previous[row + x] {
                x0 = x0.min(x);
                x1 = x1.max(x);
                y0 = y0.min(y);
                y1 = y1.max(y);
            }
        }
    }
    if x0 > x1 {
        // Nothing changed: one transparent pixel.
        frame.width = 1;
        frame.height = 1;
        frame.buffer = Cow::Owned(vec![255]);
        return frame;
    }
    let (bw, bh) = (x1 - x0 + 1, y1 - y0 + 1);
    let mut buffer = Vec::with_capacity(bw * bh);
    for y in y0..=y1 {
        for x in x0..=x1 {
            let i = y * w + x;
            buffer.push(if now[i] == previous[i] { 255 } else { now[i] });
        }
    }
    frame.left = x0 as u16;
    frame.top = y0 as u16;
    frame.width = bw as u16;
    frame.height = bh as u16;
    frame.buffer = Cow::Owned(buffer);
    frame
}

impl Frame {
    /// Frame `k` of `count` of a run's animation (`full`, its whole figure): the run up to that
    /// point, the data `points` with the current line(s) when the run is the line's, and the epoch
    /// (and loss, for one run) in the title. The first frame is the start, the last the end.
    pub fn of(full: &TrainFigure, points: Option<&[(f64, f64)]>, k: usize, count: usize) -> Frame {
        let fraction = if count > 1 {
            k as f64 / (count - 1) as f64
        } else {
            1.0
        };
        let train = full.upto(fraction);
        let last_epoch = full
            .history
            .series
            .iter()
            .filter_map(|s| s.losses.last())
            .fold(0.0f64, |m, p| m.max(p.0));
        let now = train
            .history
            .series
            .iter()
            .filter_map(|s| s.losses.last().copied())
            .collect::<Vec<_>>();
        let epoch = now.iter().fold(0.0f64, |m, p| m.max(p.0));
        let title = match now[..] {
            [(_, loss)] => format!(
                "epoch {} of {}: loss {}",
                human(epoch),
                human(last_epoch),
                human(loss)
            ),
            _ => format!("epoch {} of {}", human(epoch), human(last_epoch)),
        };
        let data = points.map(|points| {
            let shown: Vec<(f64, f64)> = crate::thin::evenly(points.len(), 2000)
                .into_iter()
                .map(|i| points[i])
                .collect();
            // The data panel's axes hold every line the run passes through, so they stay put.
            let every_line: Vec<(f64, f64)> = full.all_lines();
            DataFit {
                title: "the data and the line".into(),
                extent: DataFit::extent_for(&shown, &every_line),
                points: shown,
                lines: train.current_lines(),
            }
        });
        Frame { title, data, train }
    }
}
