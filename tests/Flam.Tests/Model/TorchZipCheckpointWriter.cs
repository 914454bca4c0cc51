using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using static TorchSharp.torch;

namespace Flam.Tests.Model;

/// <summary>How the state dict sits in a written checkpoint, as people save them.</summary>
public enum CheckpointForm
{
    /// <summary><c>torch.save(model.state_dict())</c>: an OrderedDict.</summary>
    OrderedDict,
    /// <summary>A plain dict, e.g. after <c>{k: v for k, v in sd.items() if ...}</c>.</summary>
    PlainDict,
    /// <summary><c>{"state_dict": OrderedDict, "epoch": 7}</c> (Lightning-style training checkpoints).</summary>
    StateDictWrapper,
    /// <summary><c>{"model": dict, "epoch": 7}</c>.</summary>
    ModelWrapper,
    /// <summary>An OrderedDict whose keys carry DataParallel's <c>module.</c> prefix.</summary>
    DataParallelPrefix,
}

/// <summary>
/// Writes a PyTorch zip checkpoint (<c>archive/data.pkl</c>, <c>archive/data/N</c>, <c>archive/version</c>,
/// <c>archive/byteorder</c>) from tensors, with the pickle opcodes <c>torch.save</c> emits for the chosen
/// <see cref="CheckpointForm"/> (protocol 2: GLOBAL, REDUCE, BINPERSID, SETITEMS). No Python is needed.
/// </summary>
internal static class TorchZipCheckpointWriter
{
    public static void Write(string path, IReadOnlyDictionary<string, Tensor> state, CheckpointForm form)
    {
        var pickle = new MemoryStream();
        var storages = new List<byte[]>();
        pickle.Write([0x80, 0x02]); // PROTO 2
        var keyPrefix = form == CheckpointForm.DataParallelPrefix ? "module." : "";
        switch (form)
        {
            case CheckpointForm.StateDictWrapper or CheckpointForm.ModelWrapper:
                pickle.WriteByte((byte)'}'); // EMPTY_DICT
                pickle.WriteByte((byte)'('); // MARK
                String(pickle, "epoch");
                Int(pickle, 7);
                String(pickle, form == CheckpointForm.StateDictWrapper ? "state_dict" : "model");
                StateDict(pickle, state, storages, ordered: form == CheckpointForm.StateDictWrapper, keyPrefix);
                pickle.WriteByte((byte)'u'); // SETITEMS
                break;
            default:
                StateDict(pickle, state, storages, ordered: form != CheckpointForm.PlainDict, keyPrefix);
                break;
        }
        pickle.WriteByte((byte)'.'); // STOP

        using var archive = ZipFile.Open(path, ZipArchiveMode.Create);
        void Entry(string name, ReadOnlySpan<byte> bytes)
        {
            using var stream = archive.CreateEntry("archive/" + name, CompressionLevel.NoCompression).Open();
            stream.Write(bytes);
        }
        Entry("data.pkl", pickle.ToArray());
        Entry("byteorder", "little"u8);
        for (var i = 0; i < storages.Count; i++) Entry($"data/{i}", storages[i]);
        Entry("version", "3\n"u8);
    }

    private static void StateDict(Stream pickle, IReadOnlyDictionary<string, Tensor> state, List<byte[]> storages, bool ordered, string keyPrefix)
    {
        if (ordered)
        {
            Global(pickle, "collections", "OrderedDict");
            pickle.WriteByte((byte)')'); // EMPTY_TUPLE
            pickle.WriteByte((byte)'R'); // REDUCE
        }
        else
        {
            pickle.WriteByte((byte)'}');
        }
        pickle.WriteByte((byte)'(');
        foreach (var (key, tensor) in state)
        {
            String(pickle, keyPrefix + key);
            TensorRecord(pickle, tensor, storages);
        }
        pickle.WriteByte((byte)'u');
    }

    /// <summary><c>torch._utils._rebuild_tensor_v2(storage, 0, size, stride, False, OrderedDict())</c> over a new contiguous storage.</summary>
    private static void TensorRecord(Stream pickle, Tensor tensor, List<byte[]> storages)
    {
        using var contiguous = tensor.contiguous();
        var storageType = contiguous.dtype switch
        {
            ScalarType.Float32 => "FloatStorage",
            ScalarType.Int64 => "LongStorage",
            var other => throw new NotSupportedException($"no storage type for {other} in this writer"),
        };
        Global(pickle, "torch._utils", "_rebuild_tensor_v2");
        pickle.WriteByte((byte)'(');
        pickle.WriteByte((byte)'(');
        String(pickle, "storage");
        Global(pickle, "torch", storageType);
        String(pickle, storages.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        String(pickle, "cpu");
        Int(pickle, checked((int)contiguous.numel()));
        pickle.WriteByte((byte)'t'); // TUPLE
        pickle.WriteByte((byte)'Q'); // BINPERSID
        storages.Add(contiguous.bytes.ToArray());
        Int(pickle, 0);
        Tuple(pickle, contiguous.shape);
        Tuple(pickle, contiguous.stride());
        pickle.WriteByte(0x89); // NEWFALSE
        Global(pickle, "collections", "OrderedDict");
        pickle.WriteByte((byte)')');
        pickle.WriteByte((byte)'R');
        pickle.WriteByte((byte)'t');
        pickle.WriteByte((byte)'R');
    }

    private static void Tuple(Stream pickle, long[] values)
    {
        pickle.WriteByte((byte)'(');
        foreach (var v in values) Int(pickle, checked((int)v));
        pickle.WriteByte((byte)'t');
    }

    private static void Global(Stream pickle, string module, string name)
    {
        pickle.WriteByte((byte)'c');
        pickle.Write(Encoding.ASCII.GetBytes(module + "\n" + name + "\n"));
    }

    private static void String(Stream pickle, string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(length, bytes.Length);
        pickle.WriteByte((byte)'X'); // BINUNICODE
        pickle.Write(length);
        pickle.Write(bytes);
    }

    private static void Int(Stream pickle, int value)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, value);
        pickle.WriteByte((byte)'J'); // BININT
        pickle.Write(bytes);
    }
}
