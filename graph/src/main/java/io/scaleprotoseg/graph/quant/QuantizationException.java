package io.scaleprotoseg.graph.quant;

import io.scaleprotoseg.sdk.ErrorCode;
import io.scaleprotoseg.sdk.ScaleProtoSegException;

/** Why a model cannot be quantised as asked ({@link ErrorCode#QUANTIZATION_REFUSED}); the message names the argument. */
public final class QuantizationException extends ScaleProtoSegException {
    private static final long serialVersionUID = 1L;

    public QuantizationException(String message) {
        super(ErrorCode.QUANTIZATION_REFUSED, message);
    }

    public QuantizationException(String message, Throwable cause) {
        super(ErrorCode.QUANTIZATION_REFUSED, message, cause);
    }
}
