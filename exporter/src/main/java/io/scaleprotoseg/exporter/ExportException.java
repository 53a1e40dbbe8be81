package io.scaleprotoseg.exporter;

import io.scaleprotoseg.sdk.ErrorCode;
import io.scaleprotoseg.sdk.ScaleProtoSegException;

/**
 * An export that cannot be done; the message names the checkpoint, the tensor or the failed check.
 * Code {@link ErrorCode#EXPORT_FAILED} ({@link ErrorCode#PARITY_FAILED} when the written model fails the parity check), or the code of the
 * checkpoint or data error it reports.
 */
public class ExportException extends ScaleProtoSegException {
    private static final long serialVersionUID = 1L;

    public ExportException(String message) {
        super(ErrorCode.EXPORT_FAILED, message);
    }

    public ExportException(String message, Throwable cause) {
        super(ErrorCode.EXPORT_FAILED, message, cause);
    }

    /** With another code, e.g. the code of a cause whose message this repeats. */
    public ExportException(ErrorCode code, String message, Throwable cause) {
        super(code, message, cause);
    }
}
