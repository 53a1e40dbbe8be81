/**
 * The {@code scaleprotoseg} command line (picocli): {@code demo}, {@code train}, {@code eval},
 * {@code export}, {@code analyze}, {@code segment}, {@code explain}, {@code info},
 * {@code quickstart}, {@code trt-build}. Each command maps its options onto the library's types
 * and turns the library's typed errors into a message and an exit code.
 */
package io.scaleprotoseg.samples;
