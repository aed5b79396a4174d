using Microsoft.Net.Http.Headers;

namespace Ret.Server.Infrastructure.Http;

public static class Attachments
{
    /// <summary>Marks the response as a download: content type, no caching, and a Content-Disposition whose file name
    /// has an ASCII fallback plus the RFC 5987 <c>filename*</c> form (safe for any name a user chose).</summary>
    public static void SetAttachment(this HttpResponse response, string contentType, string fileName)
    {
        response.ContentType = contentType;
        response.Headers.CacheControl = "no-store";
        var header = new ContentDispositionHeaderValue("attachment");
        header.SetHttpFileName(fileName);
        response.Headers.ContentDisposition = header.ToString();
    }
}
