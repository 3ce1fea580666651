//! A port of the Pillow drawing primitives labelme uses (`libImaging/Draw.c`), bit for bit.
//!
//! labelme turns every shape into a mask with `PIL.ImageDraw` on an 8-bit (`L`) image. The
//! functions here reproduce the C code of Pillow (checked against Pillow 13 from the project
//! environment on thousands of random shapes, see `tests/pillow_equivalence.rs`):
//!
//! - vertices are truncated towards zero (`(int)x` in C) before anything is drawn;
//! - polygons are filled by Pillow's scanline filler ([`fill_polygon`]), including its
//!   float32 edge intersection, its corner fix-ups and its `ROUND_UP`/`ROUND_DOWN` span ends;
//! - ellipses use Pillow's integer quarter-ellipse stepping ([`fill_ellipse`]);
//! - wide lines are the four-vertex polygon Pillow builds ([`draw_wide_line`]);
//! - rectangles fill every row from the top to the bottom corner inclusive ([`fill_rectangle`]).
//!
//! Only the fill is drawn: labelme passes `outline=1, fill=1`, and Pillow skips an outline whose
//! ink equals the fill ink.

mod canvas;
mod ellipse;
mod line;
mod polygon;
mod rectangle;
mod rounding;

pub use canvas::Canvas;
pub use ellipse::fill_ellipse;
pub use line::draw_wide_line;
pub use polygon::fill_polygon;
pub use rectangle::fill_rectangle;
