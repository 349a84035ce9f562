package io.noiselens.job;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import java.io.IOException;
import java.io.Serializable;
import java.net.URI;
import java.nio.file.FileSystemLoopException;
import java.nio.file.FileVisitOption;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Every file under a folder dataset, each either to be read or with the reason it cannot be: nothing under the root
 * is skipped without a row. Names are taken literally — no glob, no URI parsing of file names — so {@code :},
 * {@code [}, {@code ]}, {@code {}, {@code *}, {@code ?}, {@code %} and spaces are ordinary characters (Spark's
 * {@code binaryFile} source treats the path as a glob and Hadoop parses a child name with a colon as a URI scheme).
 * Hidden files and files starting with {@code _} are read like any other (Spark would drop them as metadata);
 * extensions match case-insensitively. On a local file system the walk follows symbolic links, reports a dangling
 * one and a link back into the dataset (a loop, or a second name for a listed directory) once, with its target;
 * on other file systems (HDFS, object stores) the file system's own recursive listing is used.
 */
final class FolderListing {
    /** One entry: where to read it ({@code source}, an absolute local path or a Hadoop URI) and any problem. */
    static final StructType SCHEMA = new StructType()
            .add("image_id", DataTypes.StringType, false)
            .add("path", DataTypes.StringType, false)
            .add("dir", DataTypes.StringType, true)
            .add("source", DataTypes.StringType, false)
            .add("local", DataTypes.BooleanType, false)
            .add("problem", DataTypes.StringType, true);

    private FolderListing() {}

    /** Whether {@code root} lives on the local file system (then names are walked with java.nio). */
    static boolean isLocal(String root, Configuration conf) throws IOException {
        return new org.apache.hadoop.fs.Path(root).getFileSystem(conf) instanceof LocalFileSystem;
    }

    /**
     * The files of one directory: {@code recursive} for a class directory (everything below it), else only the
     * files directly in it (the root, whose sub-directories are listed one task each). {@code notClass}, when set,
     * says why none of the directory's files belongs to a class (each then gets it as its problem).
     */
    static List<Row> list(String directory, boolean recursive, String rootDir, Set<String> extensions, boolean local,
                          String notClass, Configuration conf) throws IOException {
        return local ? listLocal(Path.of(directory), recursive, Path.of(rootDir), extensions, notClass)
                : listHadoop(directory, recursive, extensions, notClass, conf);
    }

    private static List<Row> listLocal(Path dir, boolean recursive, Path root, Set<String> extensions, String notClass)
            throws IOException {
        List<Row> out = new ArrayList<>();
        Path rootReal = root.toRealPath();
        Files.walkFileTree(dir, EnumSet.of(FileVisitOption.FOLLOW_LINKS), recursive ? Integer.MAX_VALUE : 1,
                new SimpleFileVisitor<>() {
                    @Override
                    public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) throws IOException {
                        if (!d.equals(dir) && Files.isSymbolicLink(d)) {
                            Path real = d.toRealPath();
                            if (real.startsWith(rootReal)) {
                                out.add(entry(d, "a symbolic link to " + real + ", which is inside the dataset: "
                                        + "not followed (its files are listed where they are, and a link to an "
                                        + "ancestor would loop)"));
                                return FileVisitResult.SKIP_SUBTREE;
                            }
                        }
                        return FileVisitResult.CONTINUE;
                    }

                    @Override
                    public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) throws IOException {
                        if (attrs.isDirectory()) return FileVisitResult.CONTINUE; // the root's sub-directories
                        String problem;
                        if (attrs.isSymbolicLink()) {
                            problem = "a dangling symbolic link (to " + Files.readSymbolicLink(f) + ", which does not "
                                    + "exist)";
                        } else if (!attrs.isRegularFile()) {
                            problem = "not a regular file";
                        } else {
                            problem = notClass != null ? notClass : unreadExtension(f.getFileName().toString(), extensions);
                        }
                        out.add(entry(f, problem));
                        return FileVisitResult.CONTINUE;
                    }

                    @Override
                    public FileVisitResult visitFileFailed(Path f, IOException e) {
                        out.add(entry(f, e instanceof FileSystemLoopException
                                ? "a symbolic link loop (it leads back to a directory above it)"
                                : "it cannot be read (" + e + ")"));
                        return FileVisitResult.CONTINUE;
                    }
                });
        return out;
    }

    private static List<Row> listHadoop(String directory, boolean recursive, Set<String> extensions, String notClass,
                                        Configuration conf) throws IOException {
        org.apache.hadoop.fs.Path dir = new org.apache.hadoop.fs.Path(directory);
        FileSystem fs = dir.getFileSystem(conf);
        List<Row> out = new ArrayList<>();
        RemoteIterator<LocatedFileStatus> it = fs.listFiles(dir, recursive);
        while (it.hasNext()) {
            LocatedFileStatus f = it.next();
            String name = f.getPath().getName();
            String problem = notClass != null ? notClass : unreadExtension(name, extensions);
            String path = f.getPath().toString();
            out.add(RowFactory.create(imageId(path), path, parentName(path), f.getPath().toUri().toString(), false,
                    problem));
        }
        return out;
    }

    private static Row entry(Path f, String problem) {
        String path = "file:" + f.toAbsolutePath();
        return RowFactory.create(imageId(path), path, parentName(path), f.toAbsolutePath().toString(), true, problem);
    }

    /** The image id: the file's class directory and name, as {@code <dir>/<file>}. */
    static String imageId(String path) {
        int last = path.lastIndexOf('/');
        int before = path.lastIndexOf('/', last - 1);
        return path.substring(before + 1);
    }

    private static String parentName(String path) {
        String id = imageId(path);
        int slash = id.indexOf('/');
        return slash < 0 ? null : id.substring(0, slash);
    }

    static Set<String> normalise(List<String> extensions) {
        return extensions.stream().map(e -> e.toLowerCase(Locale.ROOT)).collect(Collectors.toCollection(java.util.TreeSet::new));
    }

    private static String unreadExtension(String name, Set<String> extensions) {
        int dot = name.lastIndexOf('.');
        String ext = dot < 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
        if (extensions.contains(ext)) return null;
        return "not read: " + (ext.isEmpty() ? "the file has no extension" : "the extension '." + ext + "'")
                + " is not one of dataset.folder.extensions " + extensions + " (add it there to read such files)";
    }

    /** The bytes of a listed file, read literally from its source. */
    static byte[] read(String source, boolean local, Configuration conf) throws IOException {
        if (local) return Files.readAllBytes(Path.of(source));
        org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(URI.create(source));
        try (FSDataInputStream in = p.getFileSystem(conf).open(p)) {
            return in.readAllBytes();
        }
    }

    /** What {@link #list} needs on an executor, in one serialisable value. */
    record Task(String directory, boolean recursive, String notClass) implements Serializable {}
}
