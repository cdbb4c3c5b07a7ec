//! Bounded little-endian primitives shared by every message: a [`Reader`] that never reads past
//! its slice and checks every declared length against its bounds before slicing or allocating,
//! and `put_*` writers that refuse out-of-bounds values.

use crate::error::{DecodeError, EncodeError};

/// A cursor over untrusted bytes.
pub(crate) struct Reader<'a> {
	buf: &'a [u8],
}

impl<'a> Reader<'a> {
	pub(crate) fn new(buf: &'a [u8]) -> Reader<'a> {
		Reader { buf }
	}

	pub(crate) fn remaining(&self) -> usize {
		self.buf.len()
	}

	pub(crate) fn take(&mut self, n: usize, field: &'static str) -> Result<&'a [u8], DecodeError> {
		if n > self.buf.len() {
			return Err(DecodeError::Truncated { field });
		}
		let (head, tail) = self.buf.split_at(n);
		self.buf = tail;
		Ok(head)
	}

	pub(crate) fn array<const N: usize>(
		&mut self,
		field: &'static str,
	) -> Result<[u8; N], DecodeError> {
		let mut a = [0u8; N];
		a.copy_from_slice(self.take(N, field)?);
		Ok(a)
	}

	pub(crate) fn u8(&mut self, field: &'static str) -> Result<u8, DecodeError> {
		Ok(self.array::<1>(field)?[0])
	}

	pub(crate) fn u16(&mut self, field: &'static str) -> Result<u16, DecodeError> {
		Ok(u16::from_le_bytes(self.array(field)?))
	}

	pub(crate) fn u32(&mut self, field: &'static str) -> Result<u32, DecodeError> {
		Ok(u32::from_le_bytes(self.array(field)?))
	}

	pub(crate) fn u64(&mut self, field: &'static str) -> Result<u64, DecodeError> {
		Ok(u64::from_le_bytes(self.array(field)?))
	}

	/// A canonical boolean: `0x00` or `0x01`.
	pub(crate) fn bool(&mut self, field: &'static str) -> Result<bool, DecodeError> {
		match self.u8(field)? {
			0 => Ok(false),
			1 => Ok(true),
			_ => Err(DecodeError::InvalidValue { field, reason: "boolean is neither 0 nor 1" }),
		}
	}

	/// A `u8` count checked against `min..=max`.
	pub(crate) fn count_u8(
		&mut self,
		field: &'static str,
		min: usize,
		max: usize,
	) -> Result<usize, DecodeError> {
		let n = usize::from(self.u8(field)?);
		check(field, n, min, max)
	}

	/// A `u16` count checked against `min..=max`.
	pub(crate) fn count_u16(
		&mut self,
		field: &'static str,
		min: usize,
		max: usize,
	) -> Result<usize, DecodeError> {
		let n = usize::from(self.u16(field)?);
		check(field, n, min, max)
	}

	/// A `u32` length checked against `min..=max`, then that many bytes.
	pub(crate) fn bytes_u32(
		&mut self,
		field: &'static str,
		min: usize,
		max: usize,
	) -> Result<&'a [u8], DecodeError> {
		let n = self.u32(field)? as usize;
		let n = check(field, n, min, max)?;
		self.take(n, field)
	}

	/// A `u16` length checked against `min..=max`, then that many bytes.
	pub(crate) fn bytes_u16(
		&mut self,
		field: &'static str,
		min: usize,
		max: usize,
	) -> Result<&'a [u8], DecodeError> {
		let n = self.count_u16(field, min, max)?;
		self.take(n, field)
	}

	/// A `u8` length checked against `min..=max`, then that many bytes.
	pub(crate) fn bytes_u8(
		&mut self,
		field: &'static str,
		min: usize,
		max: usize,
	) -> Result<&'a [u8], DecodeError> {
		let n = self.count_u8(field, min, max)?;
		self.take(n, field)
	}

	/// Succeeds only if every byte was consumed.
	pub(crate) fn finish(self, field: &'static str) -> Result<(), DecodeError> {
		if self.buf.is_empty() {
			Ok(())
		} else {
			Err(DecodeError::TrailingBytes { field, count: self.buf.len() })
		}
	}
}

fn check(field: &'static str, n: usize, min: usize, max: usize) -> Result<usize, DecodeError> {
	if (min..=max).contains(&n) {
		Ok(n)
	} else {
		Err(DecodeError::OutOfBounds { field, len: n, min, max })
	}
}

/// Check an encoder-side length or count against `min..=max`.
pub(crate) fn bound(
	field: &'static str,
	n: usize,
	min: usize,
	max: usize,
) -> Result<(), EncodeError> {
	if (min..=max).contains(&n) {
		Ok(())
	} else {
		Err(EncodeError::OutOfBounds { field, len: n, min, max })
	}
}

pub(crate) fn put_u8(out: &mut Vec<u8>, v: u8) {
	out.push(v);
}

pub(crate) fn put_u16(out: &mut Vec<u8>, v: u16) {
	out.extend_from_slice(&v.to_le_bytes());
}

pub(crate) fn put_u32(out: &mut Vec<u8>, v: u32) {
	out.extend_from_slice(&v.to_le_bytes());
}

pub(crate) fn put_u64(out: &mut Vec<u8>, v: u64) {
	out.extend_from_slice(&v.to_le_bytes());
}

pub(crate) fn put_bool(out: &mut Vec<u8>, v: bool) {
	out.push(u8::from(v));
}

/// A `u8` count after checking `min..=max` (`max` must be at most 255).
pub(crate) fn put_count_u8(
	out: &mut Vec<u8>,
	field: &'static str,
	n: usize,
	min: usize,
	max: usize,
) -> Result<(), EncodeError> {
	bound(field, n, min, max.min(usize::from(u8::MAX)))?;
	out.push(n as u8);
	Ok(())
}

/// A `u16` count after checking `min..=max` (`max` must be at most 65535).
pub(crate) fn put_count_u16(
	out: &mut Vec<u8>,
	field: &'static str,
	n: usize,
	min: usize,
	max: usize,
) -> Result<(), EncodeError> {
	bound(field, n, min, max.min(usize::from(u16::MAX)))?;
	put_u16(out, n as u16);
	Ok(())
}

pub(crate) fn put_bytes_u8(
	out: &mut Vec<u8>,
	field: &'static str,
	bytes: &[u8],
	min: usize,
	max: usize,
) -> Result<(), EncodeError> {
	put_count_u8(out, field, bytes.len(), min, max)?;
	out.extend_from_slice(bytes);
	Ok(())
}

pub(crate) fn put_bytes_u16(
	out: &mut Vec<u8>,
	field: &'static str,
	bytes: &[u8],
	min: usize,
	max: usize,
) -> Result<(), EncodeError> {
	put_count_u16(out, field, bytes.len(), min, max)?;
	out.extend_from_slice(bytes);
	Ok(())
}

pub(crate) fn put_bytes_u32(
	out: &mut Vec<u8>,
	field: &'static str,
	bytes: &[u8],
	min: usize,
	max: usize,
) -> Result<(), EncodeError> {
	bound(field, bytes.len(), min, max.min(u32::MAX as usize))?;
	put_u32(out, bytes.len() as u32);
	out.extend_from_slice(bytes);
	Ok(())
}
