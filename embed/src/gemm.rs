//! The model's matrix product, `matrixmultiply::sgemm` behind a safe signature. This is the
//! crate's only `unsafe`: `sgemm` takes raw pointers and strides, so the bounds it relies
//! on are asserted here, on every call, before it runs.

/// A read-only matrix inside a slice: element (r, c) is `data[r * row_stride + c * col_stride]`.
/// The strides let the model take a head's columns out of the fused Q|K|V rows, or read a
/// weight stored out × in as its transpose, without copying.
#[derive(Clone, Copy)]
pub(crate) struct Matrix<'a> {
    data: &'a [f32],
    rows: usize,
    cols: usize,
    row_stride: usize,
    col_stride: usize,
}

impl<'a> Matrix<'a> {
    /// `rows × cols`, stored row after row, rows `stride` apart (wider than `cols` when the
    /// matrix is some columns of a wider one).
    pub(crate) fn rows(data: &'a [f32], rows: usize, cols: usize, stride: usize) -> Self {
        Self {
            data,
            rows,
            cols,
            row_stride: stride,
            col_stride: 1,
        }
    }

    /// The transpose of a `cols × rows` matrix stored row after row, rows `stride` apart:
    /// a Linear weight (out × in) read as in × out, or the keys read as Kᵀ.
    pub(crate) fn transposed(data: &'a [f32], rows: usize, cols: usize, stride: usize) -> Self {
        Self {
            data,
            rows,
            cols,
            row_stride: 1,
            col_stride: stride,
        }
    }

    /// Whether every element lies inside `data`: the last one, (rows - 1, cols - 1), is the
    /// farthest, since strides are not negative.
    fn fits(&self) -> bool {
        let last = (self.rows - 1)
            .checked_mul(self.row_stride)
            .zip((self.cols - 1).checked_mul(self.col_stride))
            .and_then(|(r, c)| r.checked_add(c));
        last.is_some_and(|last| last < self.data.len())
    }
}

/// `c = beta · c + a · b`, where `c` is `a.rows × b.cols`, stored row after row, rows `ldc`
/// apart (a block of columns of a wider matrix when `ldc` is more than `b.cols`).
///
/// Panics when the shapes do not agree or a matrix does not fit its slice.
#[allow(unsafe_code)]
pub(crate) fn gemm(a: Matrix<'_>, b: Matrix<'_>, beta: f32, c: &mut [f32], ldc: usize) {
    let (m, k, n) = (a.rows, a.cols, b.cols);
    assert_eq!(b.rows, k, "gemm: inner dimensions differ");
    assert!(m > 0 && k > 0 && n > 0, "gemm: an empty matrix");
    assert!(a.fits() && b.fits(), "gemm: an operand outside its slice");
    assert!(ldc >= n, "gemm: rows of c overlap");
    let c_end = (m - 1).checked_mul(ldc).and_then(|r| r.checked_add(n));
    assert!(
        c_end.is_some_and(|end| end <= c.len()),
        "gemm: c outside its slice"
    );
    let stride = |s: usize| isize::try_from(s).expect("gemm: stride beyond isize");
    // SAFETY: `sgemm` reads a[i·rsa + p·csa] and b[p·rsb + j·csb] for i < m, p < k, j < n,
    // and reads and writes c[i·ldc + j]. `fits` asserted the largest of those offsets is
    // inside `a.data` and `b.data`, and `c_end` that the largest is inside `c`; every offset
    // is at most the largest, as no stride is negative. The elements of c are distinct
    // (column stride 1, `ldc >= n`), as `sgemm` requires. `a` and `b` are shared borrows
    // and `c` an exclusive one, so the output overlaps no input, and nothing else can
    // touch them during the call. `sgemm` keeps no pointer after returning.
    unsafe {
        matrixmultiply::sgemm(
            m,
            k,
            n,
            1.0,
            a.data.as_ptr(),
            stride(a.row_stride),
            stride(a.col_stride),
            b.data.as_ptr(),
            stride(b.row_stride),
            stride(b.col_stride),
            beta,
            c.as_mut_ptr(),
            stride(ldc),
            1,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn products_with_strides_and_transposes() {
        // a = [[1, 2], [3, 4]] taken from rows 3 wide; b = [[5, 6], [7, 8]] read from its
        // transpose [[5, 7], [6, 8]]; c = 10 + a·b in the first two columns of rows 3 wide.
        let a = [1.0, 2.0, 0.0, 3.0, 4.0, 0.0];
        let bt = [5.0, 7.0, 6.0, 8.0];
        let mut c = [10.0, 10.0, -1.0, 10.0, 10.0];
        gemm(
            Matrix::rows(&a, 2, 2, 3),
            Matrix::transposed(&bt, 2, 2, 2),
            1.0,
            &mut c,
            3,
        );
        assert_eq!(c, [29.0, 32.0, -1.0, 53.0, 60.0]);
    }

    #[test]
    #[should_panic(expected = "outside its slice")]
    fn an_operand_too_short_is_refused() {
        let mut c = [0.0; 4];
        gemm(
            Matrix::rows(&[1.0; 3], 2, 2, 2),
            Matrix::rows(&[1.0; 4], 2, 2, 2),
            0.0,
            &mut c,
            2,
        );
    }

    #[test]
    #[should_panic(expected = "c outside its slice")]
    fn an_output_too_short_is_refused() {
        let mut c = [0.0; 3];
        gemm(
            Matrix::rows(&[1.0; 4], 2, 2, 2),
            Matrix::rows(&[1.0; 4], 2, 2, 2),
            0.0,
            &mut c,
            2,
        );
    }
}
