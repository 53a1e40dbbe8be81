package io.scaleprotoseg.exporter;

/** An export that cannot be done; the message names the checkpoint, the tensor or the failed check. */
public class ExportException extends Exception {
    private static final long serialVersionUID = 1L;

    public ExportException(String message) {
        super(message);
    }

    public ExportException(String message, Throwable cause) {
        super(message, cause);
    }
}
