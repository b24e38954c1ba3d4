"""Writes the golden .npy files of tests/io with real NumPy (1.24.2 made the
checked-in copies). Run from this folder: /usr/bin/python3 make_golden.py"""
import numpy as np

# C order, float32, 2x3: -1.0, -0.5, 0.0, 0.5, 1.0, 1.5
np.save("c_f4_2x3.npy", (np.arange(6, dtype="<f4") * 0.5 - 1).reshape(2, 3))

# Fortran order, float64, 2x3: [[1, 2, 3], [4, 5, 6]]
np.save("fortran_f8_2x3.npy",
        np.asfortranarray(np.array([[1, 2, 3], [4, 5, 6]], dtype="<f8")))

# Fortran order, int32, 2x3x4: value = 100*i + 10*j + k - 50
i, j, k = np.indices((2, 3, 4))
np.save("fortran_i4_2x3x4.npy",
        np.asfortranarray((100 * i + 10 * j + k - 50).astype("<i4")))

# float16 with known bit patterns: 0, 1, -2, 65504 (max), 2^-14 (min
# normal), 2^-24 (min subnormal), inf, -0.
np.save("f2_specials.npy",
        np.array([0, 1, -2, 65504, 2.0**-14, 2.0**-24, np.inf, -0.0],
                 dtype="<f2"))

# uint8 codes
np.save("u1_codes.npy", np.array([0, 1, 127, 128, 255], dtype=np.uint8))

# A version 2.0 header (uint32 header length), int32, shape (3,)
with open("v2_i4_3.npy", "wb") as f:
    np.lib.format.write_array(f, np.array([-7, 0, 2147483647], dtype="<i4"),
                              version=(2, 0))

# 0-d float64 scalar 3.25, and an empty float32 array of shape (0, 3)
np.save("scalar_f8.npy", np.array(3.25, dtype="<f8"))
np.save("empty_f4_0x3.npy", np.zeros((0, 3), dtype="<f4"))
