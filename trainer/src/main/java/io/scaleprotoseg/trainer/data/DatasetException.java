package io.scaleprotoseg.trainer.data;

import io.scaleprotoseg.sdk.ErrorCode;
import io.scaleprotoseg.sdk.ScaleProtoSegException;

/**
 * A data set that cannot be read as asked; the message names the file and what to fix.
 * Code {@link ErrorCode#DATASET_INVALID}; {@link #anomaly()} says which kind of problem it is, so a
 * scan of a whole data set ({@code scaleprotoseg data check}) can count problems by kind.
 */
public class DatasetException extends ScaleProtoSegException {
    private static final long serialVersionUID = 1L;

    /** The kind of problems that have no more specific one. */
    public static final String INVALID = "invalid or unreadable data";
    /** A label value the data set's table does not define. */
    public static final String LABEL_VALUE = "label value outside the data set's table";
    /** A label file of another kind than the data set expects (trainIds for labelIds, ...). */
    public static final String LABEL_KIND = "label file of the wrong kind";
    /** A label file holding lossy (JPEG) data. */
    public static final String LOSSY_LABEL = "label file with lossy JPEG data";
    /** An image and its label of different sizes. */
    public static final String SIZE = "image and label sizes differ";
    /** An image without its label, or a label without its image. */
    public static final String UNPAIRED = "file without its image or label";
    /** A file that cannot be decoded. */
    public static final String UNREADABLE = "unreadable file";

    private final String anomaly;

    public DatasetException(String message) {
        this(INVALID, message);
    }

    public DatasetException(String message, Throwable cause) {
        super(ErrorCode.DATASET_INVALID, message, cause);
        this.anomaly = UNREADABLE;
    }

    /**
     * A problem of a named kind.
     *
     * @param anomaly one of this class's kinds ({@link #LABEL_VALUE}, ...)
     */
    public DatasetException(String anomaly, String message) {
        super(ErrorCode.DATASET_INVALID, message);
        this.anomaly = anomaly;
    }

    /** The kind of problem: one of this class's constants. */
    public String anomaly() {
        return anomaly;
    }
}
