package io.scaleprotoseg.samples;

import io.scaleprotoseg.sdk.Backend;
import io.scaleprotoseg.sdk.Evidence;
import io.scaleprotoseg.sdk.InputSizing;
import picocli.CommandLine;

/** picocli converters for the SDK's command-line spellings; a bad value is a usage error (exit 2). */
final class Converters {
    private Converters() {
    }

    /** {@code auto}, {@code ort-cpu}, {@code ort-cuda}, {@code tensorrt}. */
    static final class BackendConverter implements CommandLine.ITypeConverter<Backend> {
        @Override
        public Backend convert(String value) {
            try {
                return Backend.parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    /** {@code none}, {@code groups}, {@code full}. */
    static final class EvidenceConverter implements CommandLine.ITypeConverter<Evidence> {
        @Override
        public Evidence convert(String value) {
            try {
                return Evidence.parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    /** {@code keep}, {@code WxH}, a shorter-side length or {@code tile:SIZE[:OVERLAP]}. */
    static final class SizingConverter implements CommandLine.ITypeConverter<InputSizing> {
        @Override
        public InputSizing convert(String value) {
            try {
                return InputSizing.parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }
}
