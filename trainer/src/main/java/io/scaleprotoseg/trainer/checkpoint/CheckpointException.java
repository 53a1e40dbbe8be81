package io.scaleprotoseg.trainer.checkpoint;

import io.scaleprotoseg.sdk.ErrorCode;
import io.scaleprotoseg.sdk.ScaleProtoSegException;

/**
 * A checkpoint or run directory that cannot be used; the message names the file and the problem.
 * Code {@link ErrorCode#CHECKPOINT_INVALID}.
 */
public class CheckpointException extends ScaleProtoSegException {
    private static final long serialVersionUID = 1L;

    public CheckpointException(String message) {
        super(ErrorCode.CHECKPOINT_INVALID, message);
    }

    public CheckpointException(String message, Throwable cause) {
        super(ErrorCode.CHECKPOINT_INVALID, message, cause);
    }
}
