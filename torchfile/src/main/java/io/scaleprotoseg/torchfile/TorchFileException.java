package io.scaleprotoseg.torchfile;

import java.io.IOException;

/**
 * A PyTorch file that cannot be read: not a PyTorch file, truncated, inconsistent, or asking to
 * call something outside the allow-list. The message names the file and what is wrong.
 */
public class TorchFileException extends IOException {
    private static final long serialVersionUID = 1L;

    public TorchFileException(String message) {
        super(message);
    }

    public TorchFileException(String message, Throwable cause) {
        super(message, cause);
    }
}
