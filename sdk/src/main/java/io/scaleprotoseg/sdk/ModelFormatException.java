package io.scaleprotoseg.sdk;

/**
 * Raised when a model file does not follow the ScaleProtoSeg model contract (DESIGN.md): not ONNX, no card, an unknown card version, a missing output or initializer, weights that disagree with the card.
 */
public class ModelFormatException extends ScaleProtoSegException {
    private static final long serialVersionUID = 1L;

    public ModelFormatException(ErrorCode code, String message) {
        super(code, message);
    }

    public ModelFormatException(ErrorCode code, String message, Throwable cause) {
        super(code, message, cause);
    }
}
