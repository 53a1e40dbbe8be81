package io.scaleprotoseg.trainer.imports;

import io.scaleprotoseg.sdk.ErrorCode;
import io.scaleprotoseg.sdk.ScaleProtoSegException;

/**
 * A PyTorch file that cannot be imported: unreadable, refused as unsafe, of an unknown model, or
 * inconsistent. The message names the file and what was found. Code {@link ErrorCode#CHECKPOINT_INVALID}.
 */
public class ImportException extends ScaleProtoSegException {
    private static final long serialVersionUID = 1L;

    public ImportException(String message) {
        super(ErrorCode.CHECKPOINT_INVALID, message);
    }

    public ImportException(String message, Throwable cause) {
        super(ErrorCode.CHECKPOINT_INVALID, message, cause);
    }
}
