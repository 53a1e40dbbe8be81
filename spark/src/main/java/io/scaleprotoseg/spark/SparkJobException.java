package io.scaleprotoseg.spark;

import io.scaleprotoseg.sdk.ErrorCode;
import io.scaleprotoseg.sdk.ScaleProtoSegException;

/**
 * A Spark job of this module cannot run as asked: the model is missing (on the driver or on an
 * executor) or not a model, the input holds no images, label masks hold values that are not class
 * ids or do not pair with the images, or the output exists. The message names the path at fault
 * and what to do.
 */
public class SparkJobException extends ScaleProtoSegException {
    private static final long serialVersionUID = 1L;

    public SparkJobException(ErrorCode code, String message) {
        super(code, message);
    }

    public SparkJobException(ErrorCode code, String message, Throwable cause) {
        super(code, message, cause);
    }
}
