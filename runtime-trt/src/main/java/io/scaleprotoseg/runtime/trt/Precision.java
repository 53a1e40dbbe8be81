package io.scaleprotoseg.runtime.trt;

import java.util.Locale;

/** The arithmetic precision a TensorRT engine is built for (option {@code trt.precision}). */
public enum Precision {
    /** 32-bit floats everywhere: results match ONNX Runtime's CPU provider to rounding. */
    FP32,
    /**
     * TensorRT may run layers in 16-bit floats where it measures them faster (builder flag
     * {@code kFP16}); inputs and outputs stay 32-bit. Masks typically agree with FP32 on well over
     * 99 % of pixels; logits differ in the third significant digit.
     */
    FP16;

    /** The option spelling: {@code fp32} or {@code fp16}. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Parses {@code fp32} or {@code fp16} (any case).
     *
     * @param option the option or command-line flag the value came from, for the message
     * @throws IllegalArgumentException naming {@code option} for anything else
     */
    public static Precision parse(String value, String option) {
        String v = value == null ? "" : value.strip().toLowerCase(Locale.ROOT);
        for (Precision p : values()) {
            if (p.id().equals(v)) {
                return p;
            }
        }
        throw new IllegalArgumentException(option + "='" + value + "' is not a precision; use fp32 or fp16");
    }
}
