package io.scaleprotoseg.trainer.data;

import io.scaleprotoseg.sdk.ErrorCode;
import io.scaleprotoseg.sdk.ScaleProtoSegException;

/**
 * A data set that cannot be read as asked; the message names the file and what to fix.
 * Code {@link ErrorCode#DATASET_INVALID}.
 */
public class DatasetException extends ScaleProtoSegException {
    private static final long serialVersionUID = 1L;

    public DatasetException(String message) {
        super(ErrorCode.DATASET_INVALID, message);
    }

    public DatasetException(String message, Throwable cause) {
        super(ErrorCode.DATASET_INVALID, message, cause);
    }
}
