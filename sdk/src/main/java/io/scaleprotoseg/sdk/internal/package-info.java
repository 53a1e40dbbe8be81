/**
 * Implementation details of the SDK (model-file reading, head arithmetic, resampling, image
 * decoding). Not API: other modules use the public types of {@code io.scaleprotoseg.sdk} and its
 * SPI, and these classes may change in any release.
 */
package io.scaleprotoseg.sdk.internal;
