package io.noiselens.job;

import io.noiselens.config.JobConfig;
import io.noiselens.data.LabeledImage;
import io.noiselens.data.SyntheticShapes;
import io.noiselens.data.BoundingBox;
import io.noiselens.image.Geometry;
import io.noiselens.image.ImageDecoder;
import io.noiselens.model.ModelSpec;
import org.apache.spark.sql.Row;

import java.util.List;

/**
 * Turns a dataset row ({@link ImageSource#SCHEMA}) into the model's input: the built-in image generated from its
 * index (with its object mask), or the file decoded, resized and centre-cropped to the model's input
 * ({@link Geometry}) and normalised, its boxes turned into a mask by the same geometry. A failure names its stage
 * (dataset, decode, preprocess, annotation) for the errors table.
 */
final class ImageLoader {
    /** A model-space C×H×W input and its mask (null when the dataset has none). */
    record Loaded(float[] input, boolean[] mask) {}

    /** A dataset file that was listed but is not read, with the reason (see {@link FolderListing}). */
    static final class UnreadFile extends Exception {
        UnreadFile(String reason) {
            super(reason);
        }
    }

    /** Why a row could not become an input, and at which stage. */
    static final class Failure extends Exception {
        final String stage;

        Failure(String stage, Throwable cause) {
            super(cause.getMessage() == null ? cause.toString() : cause.getMessage(), cause);
            this.stage = stage;
        }
    }

    private final JobConfig config;
    private final int channels, height, width;
    private final io.noiselens.model.Preprocessing preprocessing;
    private final SyntheticShapes synthetic;

    ImageLoader(JobConfig config, ModelSpec spec) {
        this(config, spec.channels(), spec.height(), spec.width(), spec.preprocessing());
    }

    /** A loader of C×H×W images; {@code preprocessing} null when only {@link #pixels} is called (the report). */
    ImageLoader(JobConfig config, int channels, int height, int width, io.noiselens.model.Preprocessing preprocessing) {
        this.config = config;
        this.channels = channels;
        this.height = height;
        this.width = width;
        this.preprocessing = preprocessing;
        this.synthetic = config.dataset().builtin() ? new SyntheticShapes(config.dataset().builtinSeed(), height) : null;
    }

    Loaded load(Row r) throws Failure {
        Loaded raw = pixels(r);
        preprocessing.normaliseInPlace(raw.input(), height * width);
        return raw;
    }

    /** The image as the model sees it before normalisation (pixels in [0, 1]), and its mask. */
    Loaded pixels(Row r) throws Failure {
        float[] x;
        boolean[] mask = null;
        if (synthetic != null) {
            LabeledImage img = synthetic.image("eval", r.getLong(r.fieldIndex("index")));
            x = img.pixels().clone();
            mask = img.mask();
        } else {
            String problem = r.getAs("problem");
            if (problem != null) throw new Failure("list", new UnreadFile(problem));
            if (r.isNullAt(r.fieldIndex("label"))) {
                throw new Failure("dataset", new IllegalArgumentException("the file is not inside a class directory "
                        + "(expected root/<class>/<file>), or its class is not one of the dataset's"));
            }
            ImageDecoder.Decoded d;
            try {
                d = ImageDecoder.decode((byte[]) r.get(r.fieldIndex("content")), channels, config.dataset().maxPixels());
            } catch (ImageDecoder.BadImageException | RuntimeException e) {
                throw new Failure("decode", e);
            }
            Geometry g;
            try {
                g = Geometry.of(d.height(), d.width(), config.dataset().resize(), height, width);
                x = g.apply(d.pixels(), d.channels());
            } catch (RuntimeException e) {
                throw new Failure("preprocess", e);
            }
            List<BoundingBox> boxes = boxes(r);
            if (boxes != null) mask = g.mask(boxes);
        }
        return new Loaded(x, mask);
    }

    /**
     * The image's boxes from its XML annotation or CSV row, those of its own class when any are (ImageNet's are all
     * of the image's class), null when the dataset has no annotation for it.
     */
    private static List<BoundingBox> boxes(Row r) throws Failure {
        String path = r.getAs("path");
        List<BoundingBox> all;
        try {
            int a = r.fieldIndex("annotation"), b = r.fieldIndex("boxes");
            if (!r.isNullAt(a)) all = BoundingBox.parseVocXml((byte[]) r.get(a), path + " (XML annotation)");
            else if (!r.isNullAt(b)) all = BoundingBox.parsePredictionString(r.getString(b), path + " (CSV boxes)");
            else return null;
        } catch (RuntimeException e) {
            throw new Failure("annotation", e);
        }
        String label = r.getAs("label_name");
        List<BoundingBox> own = all.stream().filter(box -> box.name().equals(label)).toList();
        return own.isEmpty() ? all : own;
    }
}
