namespace Flam.Evaluation.CollarBased;

/// <summary>Maximum-cardinality bipartite matching by augmenting paths (Kuhn's algorithm, O(V·E)).</summary>
public static class BipartiteMatching
{
    /// <summary>Size of a maximum matching; <paramref name="edges"/>[left] lists the right vertices it may match.</summary>
    public static int MaximumMatchingSize(IReadOnlyList<IReadOnlyList<int>> edges, int rightCount)
    {
        var matchOfRight = new int[rightCount];
        Array.Fill(matchOfRight, -1);
        var size = 0;
        var visited = new bool[rightCount];
        for (var left = 0; left < edges.Count; left++)
        {
            Array.Clear(visited);
            if (Augment(left, edges, matchOfRight, visited)) size++;
        }
        return size;
    }

    private static bool Augment(int left, IReadOnlyList<IReadOnlyList<int>> edges, int[] matchOfRight, bool[] visited)
    {
        foreach (var right in edges[left])
        {
            if (visited[right]) continue;
            visited[right] = true;
            if (matchOfRight[right] < 0 || Augment(matchOfRight[right], edges, matchOfRight, visited))
            {
                matchOfRight[right] = left;
                return true;
            }
        }
        return false;
    }
}
