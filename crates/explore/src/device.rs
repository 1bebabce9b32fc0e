//! Choosing where the tensors live: `--device cpu|cuda|auto` and `--dtype f32|f64`.

use candle_core::{DType, Device};

use crate::{Error, Result};

/// Which device to run on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum DeviceChoice {
    /// CUDA if this build has it and a GPU answers, else the CPU.
    #[default]
    Auto,
    Cpu,
    /// The first CUDA GPU; needs a build with `--features cuda`.
    Cuda,
}

/// The floating-point type of the tensors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum DTypeChoice {
    #[default]
    F32,
    F64,
}

impl DTypeChoice {
    pub fn dtype(self) -> DType {
        match self {
            DTypeChoice::F32 => DType::F32,
            DTypeChoice::F64 => DType::F64,
        }
    }
}

/// Opens the device asked for. `Auto` never fails: it falls back to the CPU.
pub fn select(choice: DeviceChoice) -> Result<Device> {
    Ok(select_why(choice)?.0)
}

/// [`select`], and for `Auto` in a CUDA build that found no GPU, why it runs on the CPU (for
/// a note: "no usable CUDA GPU: …; running on the CPU").
pub fn select_why(choice: DeviceChoice) -> Result<(Device, Option<String>)> {
    match choice {
        DeviceChoice::Cpu => Ok((Device::Cpu, None)),
        DeviceChoice::Cuda => Ok((open_cuda()?, None)),
        DeviceChoice::Auto => match open_cuda() {
            Ok(device) => Ok((device, None)),
            Err(e) if cfg!(feature = "cuda") => {
                Ok((Device::Cpu, Some(format!("{e}; running on the CPU"))))
            }
            Err(_) => Ok((Device::Cpu, None)),
        },
    }
}

/// A short name for messages: `cpu` or `cuda:0`.
pub fn name(device: &Device) -> String {
    match device.location() {
        candle_core::DeviceLocation::Cpu => "cpu".to_string(),
        candle_core::DeviceLocation::Cuda { gpu_id } => format!("cuda:{gpu_id}"),
        candle_core::DeviceLocation::Metal { gpu_id } => format!("metal:{gpu_id}"),
    }
}

#[cfg(feature = "cuda")]
fn open_cuda() -> Result<Device> {
    // cudarc loads the driver library at run time and panics if it is missing; turn that into an
    // error so a CUDA build on a machine without a GPU still answers in one line.
    let opened = std::panic::catch_unwind(|| Device::new_cuda(0));
    match opened {
        Ok(Ok(device)) => Ok(device),
        Ok(Err(e)) => Err(Error::Device(format!("no usable CUDA GPU: {e}"))),
        Err(_) => Err(Error::Device(
            "no usable CUDA GPU: the NVIDIA driver library could not be loaded".to_string(),
        )),
    }
}

#[cfg(not(feature = "cuda"))]
fn open_cuda() -> Result<Device> {
    Err(Error::Device(
        "this build has no CUDA support: rebuild with `--features cuda` \
         (e.g. `cargo run --release --features cuda -p slope-explore -- ...`)"
            .to_string(),
    ))
}
