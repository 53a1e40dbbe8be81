package io.scaleprotoseg.trainer.phase;

import io.scaleprotoseg.sdk.ErrorCode;
import io.scaleprotoseg.sdk.ScaleProtoSegException;

/**
 * A training run that cannot go on; the message names the file or setting and what to do.
 * Code {@link ErrorCode#TRAINING_FAILED}, or the code of the data, weight or checkpoint error it reports.
 */
public class TrainingException extends ScaleProtoSegException {
    private static final long serialVersionUID = 1L;

    public TrainingException(String message) {
        super(ErrorCode.TRAINING_FAILED, message);
    }

    public TrainingException(String message, Throwable cause) {
        super(ErrorCode.TRAINING_FAILED, message, cause);
    }

    /** With another code, e.g. the code of a cause whose message this repeats. */
    public TrainingException(ErrorCode code, String message, Throwable cause) {
        super(code, message, cause);
    }
}
