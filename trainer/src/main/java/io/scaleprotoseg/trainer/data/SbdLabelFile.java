package io.scaleprotoseg.trainer.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import us.hebi.matlab.mat.format.Mat5;
import us.hebi.matlab.mat.format.Mat5File;
import us.hebi.matlab.mat.types.Array;
import us.hebi.matlab.mat.types.Matrix;
import us.hebi.matlab.mat.types.Struct;

/**
 * The class labels of the Semantic Boundaries Dataset (SBD, benchmark_RELEASE/dataset/cls/ID.mat):
 * a MATLAB v5 file holding a struct {@code GTcls} whose field {@code Segmentation} is an H x W
 * matrix of VOC class indices (0 background, 1..20). Read with the MFL library; nothing in the file
 * is executed.
 */
final class SbdLabelFile {
    static final String STRUCT = "GTcls";
    static final String FIELD = "Segmentation";

    private SbdLabelFile() {
    }

    /**
     * Reads GTcls.Segmentation as row-major raw values.
     *
     * @throws DatasetException naming the file when it is missing, not a MAT-file, or has no
     *     two-dimensional GTcls.Segmentation
     */
    static ImageFiles.Values read(Path file) throws DatasetException {
        if (!Files.isRegularFile(file)) {
            throw new DatasetException("label " + file + " does not exist");
        }
        Mat5File mat;
        try {
            mat = Mat5.readFromFile(file.toFile());
        } catch (IOException | RuntimeException e) {
            throw new DatasetException("cannot read SBD label " + file + " as a MATLAB v5 MAT-file: " + e.getMessage(), e);
        }
        try (mat) {
            Matrix seg;
            try {
                Struct gt = mat.getStruct(STRUCT);
                Array a = gt.get(FIELD);
                if (!(a instanceof Matrix m)) {
                    throw new DatasetException(DatasetException.UNREADABLE, "SBD label " + file + ": " + STRUCT + "." + FIELD
                            + " is not a numeric matrix");
                }
                seg = m;
            } catch (IllegalArgumentException | ClassCastException e) {
                throw new DatasetException(DatasetException.UNREADABLE, "SBD label " + file + " has no struct " + STRUCT
                        + " with a field " + FIELD + " (" + e.getMessage() + "); expected a class file of SBD's dataset/cls/, "
                        + "not dataset/inst/");
            }
            if (seg.getNumDimensions() != 2) {
                throw new DatasetException(DatasetException.UNREADABLE, "SBD label " + file + ": " + STRUCT + "." + FIELD
                        + " has " + seg.getNumDimensions() + " dimensions; expected H x W");
            }
            int h = seg.getNumRows();
            int w = seg.getNumCols();
            int[] values = new int[w * h];
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    values[y * w + x] = seg.getInt(y, x);
                }
            }
            return new ImageFiles.Values(w, h, values);
        } catch (IOException e) {
            throw new DatasetException("cannot close " + file + ": " + e.getMessage(), e);
        }
    }
}
