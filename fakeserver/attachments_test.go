package fakeserver_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strings"
	"testing/iotest"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/tokenclock/tokenclock/fakeserver"
)

// upload POSTs body to the idea's uploads path. A body that is not a *bytes.Reader
// has no known length, so it goes chunked.
func (h *apiHarness) upload(ideaID string, body io.Reader, contentType string, headers ...string) apiReply {
	GinkgoHelper()
	req, err := http.NewRequest(http.MethodPost, h.srv.URL()+fakeserver.AttachmentsPath(ideaID), body)
	Expect(err).NotTo(HaveOccurred())
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for _, hv := range headers {
		k, v, _ := strings.Cut(hv, ":")
		req.Header.Add(strings.TrimSpace(k), strings.TrimSpace(v))
	}
	resp, err := h.client.Do(req)
	if err != nil {
		return apiReply{Err: err}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return apiReply{Status: resp.StatusCode, Header: resp.Header, Body: b, Err: err}
}

// chunked hides a reader's length from net/http, so the request is sent chunked.
func chunked(r io.Reader) io.Reader { return struct{ io.Reader }{r} }

// multipartOf builds a multipart/form-data body with the writer's random boundary.
func multipartOf(build func(mw *multipart.Writer)) (contentType string, body []byte) {
	GinkgoHelper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	build(mw)
	Expect(mw.Close()).To(Succeed())
	return mw.FormDataContentType(), buf.Bytes()
}

func field(mw *multipart.Writer, name, value string) {
	GinkgoHelper()
	Expect(mw.WriteField(name, value)).To(Succeed())
}

func hexSHA(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func attachmentOf(r apiReply) fakeserver.Attachment {
	GinkgoHelper()
	Expect(r.Err).NotTo(HaveOccurred())
	Expect(r.Status).To(Equal(http.StatusCreated), string(r.Body))
	var a fakeserver.Attachment
	r.JSON(&a)
	return a
}

var _ = Describe("The generated-bytes convention", func() {
	It(`is "tokenclock:<seed>:" repeated and cut at size bytes`, func() {
		Expect(string(fakeserver.GeneratedBody(7, 30))).To(Equal("tokenclock:7:tokenclock:7:toke"))
		Expect(string(fakeserver.GeneratedBody(-12, 15))).To(Equal("tokenclock:-12:"))
		Expect(fakeserver.GeneratedBody(7, 0)).To(BeEmpty())
		Expect(fakeserver.GeneratedBody(7, -1)).To(BeEmpty())
		Expect(fakeserver.GeneratedFileName(7)).To(Equal("tokenclock-7.bin"))
	})

	It("streams the same bytes in any chunking, and hashes them without holding them", func() {
		want := fakeserver.GeneratedBody(42, 100_003)
		got, err := io.ReadAll(iotest.OneByteReader(fakeserver.GeneratedReader(42, 100_003)))
		Expect(err).NotTo(HaveOccurred())
		Expect(got).To(Equal(want))
		Expect(iotest.TestReader(fakeserver.GeneratedReader(42, 100_003), want)).To(Succeed())
		Expect(fakeserver.GeneratedSHA256(42, 100_003)).To(Equal(hexSHA(want)))
		Expect(fakeserver.GeneratedSHA256(42, 0)).To(Equal(hexSHA(nil)))
	})

	It("writes the file part as the convention says", func() {
		ct, body := multipartOf(func(mw *multipart.Writer) {
			Expect(fakeserver.WriteGeneratedFile(mw, 9, 50)).To(Succeed())
		})
		_, params, _ := strings.Cut(ct, "boundary=")
		p, err := multipart.NewReader(bytes.NewReader(body), params).NextPart()
		Expect(err).NotTo(HaveOccurred())
		Expect(p.FormName()).To(Equal(fakeserver.UploadFilePart))
		Expect(p.FileName()).To(Equal("tokenclock-9.bin"))
		Expect(p.Header.Get("Content-Type")).To(Equal(fakeserver.UploadFileContentType))
		content, err := io.ReadAll(p)
		Expect(err).NotTo(HaveOccurred())
		Expect(content).To(Equal(fakeserver.GeneratedBody(9, 50)))
	})
})

var _ = Describe("Uploads (POST /api/ideas/{id}/attachments)", func() {
	var (
		h   *apiHarness
		ada apiSession
	)
	BeforeEach(func() {
		h = newAPI(fakeserver.Options{})
		ada = h.seedUser()
		Expect(h.do("POST", "/api/ideas", ideaBody("mine"), bearer(ada.Access)).Status).To(Equal(http.StatusCreated))
	})

	It("keeps its path pattern beside the others", func() {
		Expect(fakeserver.PathAttachments).To(Equal("/api/ideas/{id}/attachments"))
		Expect(fakeserver.AttachmentsPath("i3")).To(Equal("/api/ideas/i3/attachments"))
	})

	Context("a raw body", func() {
		It("answers 201 with the file's length and hash, and journals bodyLength", func() {
			a := attachmentOf(h.upload("i1", bytes.NewReader(fakeserver.GeneratedBody(1, 3000)), "application/octet-stream", bearer(ada.Access)))
			Expect(a).To(Equal(fakeserver.Attachment{ID: "a1", IdeaID: "i1", Length: 3000, SHA256: fakeserver.GeneratedSHA256(1, 3000)}))
			e := h.last()
			Expect(e.Status).To(Equal(http.StatusCreated))
			Expect(e.BodyLength).To(Equal(3000))
			Expect(e.BodySha256).To(Equal(fakeserver.GeneratedSHA256(1, 3000)))
			Expect(e.Parts).To(BeNil())
			Expect(e.Body).To(Equal(fakeserver.GeneratedBody(1, 3000)))
			Expect(e.AccessState).To(Equal(fakeserver.StateValid))
		})

		It("takes a chunked body (no Content-Length) of any content type, or none", func() {
			size := 3<<20 + 17
			a := attachmentOf(h.upload("i1", chunked(fakeserver.GeneratedReader(2, size)), "", bearer(ada.Access)))
			Expect(a.Length).To(Equal(size))
			Expect(a.SHA256).To(Equal(fakeserver.GeneratedSHA256(2, size)))
			Expect(h.last().BodyLength).To(Equal(size))
			a = attachmentOf(h.upload("i1", chunked(strings.NewReader("{}")), "application/json", bearer(ada.Access)))
			Expect(a.ID).To(Equal("a2"))
			Expect(a.Length).To(Equal(2))
		})

		It("keeps up to JournalBodyBytes of it in Entry.Body, and says so", func() {
			attachmentOf(h.upload("i1", bytes.NewReader(fakeserver.GeneratedBody(3, 2<<20)), "", bearer(ada.Access)))
			e := h.last()
			Expect(e.Body).To(Equal(fakeserver.GeneratedBody(3, fakeserver.MaxBodyBytes)))
			Expect(e.BodyTruncated).To(BeTrue())
			Expect(e.BodySha256).To(Equal(fakeserver.GeneratedSHA256(3, 2<<20)), "the hash still covers the whole body")
		})

		It("takes an empty body: length 0, and the journal shows no body", func() {
			a := attachmentOf(h.upload("i1", http.NoBody, "", bearer(ada.Access)))
			Expect(a.Length).To(Equal(0))
			Expect(a.SHA256).To(Equal(hexSHA(nil)))
			Expect(h.last().BodySha256).To(BeEmpty())
			Expect(h.last().BodyLength).To(Equal(0))
		})
	})

	Context("a multipart/form-data body", func() {
		It("records every part; the answer describes the file part; bodySha256 stays the raw body's", func() {
			ct, body := multipartOf(func(mw *multipart.Writer) {
				field(mw, "caption", "a picture")
				Expect(fakeserver.WriteGeneratedFile(mw, 5, 70_000)).To(Succeed())
				field(mw, "tag", "")
			})
			a := attachmentOf(h.upload("i1", bytes.NewReader(body), ct, bearer(ada.Access)))
			parts := []fakeserver.BodyPart{
				{Name: "caption", SHA256: hexSHA([]byte("a picture")), Length: 9},
				{Name: "file", Filename: "tokenclock-5.bin", SHA256: fakeserver.GeneratedSHA256(5, 70_000), Length: 70_000},
				{Name: "tag", SHA256: hexSHA(nil), Length: 0},
			}
			Expect(a).To(Equal(fakeserver.Attachment{ID: "a1", IdeaID: "i1", Length: 70_000,
				SHA256: fakeserver.GeneratedSHA256(5, 70_000), Parts: parts}))
			e := h.last()
			Expect(e.Parts).To(Equal(parts))
			Expect(e.BodySha256).To(Equal(hexSHA(body)))
			Expect(e.BodyLength).To(Equal(len(body)))
		})

		It("answers the same length and hash as the raw upload of the same file, sent chunked too", func() {
			raw := attachmentOf(h.upload("i1", bytes.NewReader(fakeserver.GeneratedBody(6, 5000)), "", bearer(ada.Access)))
			ct, body := multipartOf(func(mw *multipart.Writer) { Expect(fakeserver.WriteGeneratedFile(mw, 6, 5000)).To(Succeed()) })
			mp := attachmentOf(h.upload("i1", chunked(bytes.NewReader(body)), ct, bearer(ada.Access)))
			Expect([]any{mp.Length, mp.SHA256}).To(Equal([]any{raw.Length, raw.SHA256}))
		})

		It("journals the part names and filenames as sent, cut when very long", func() {
			long := strings.Repeat("n", 5000)
			ct, body := multipartOf(func(mw *multipart.Writer) {
				w, err := mw.CreateFormFile("file", "../../etc/"+long)
				Expect(err).NotTo(HaveOccurred())
				_, _ = w.Write([]byte("x"))
			})
			attachmentOf(h.upload("i1", bytes.NewReader(body), ct, bearer(ada.Access)))
			p := h.last().Parts[0]
			Expect(p.Filename).To(HavePrefix("../../etc/"), "as sent, no base name taken; a word straddling the cut goes whole, as in paths")
			Expect(p.Filename).To(HaveSuffix("…[truncated: 5010 bytes]"))
			Expect(len(p.Filename)).To(BeNumerically("<", 300))
		})
	})

	DescribeTable("a hostile multipart body is 400 with a message that says what is wrong",
		func(contentType func(boundary string) string, build func(mw *multipart.Writer), message string, parts int) {
			var buf bytes.Buffer
			mw := multipart.NewWriter(&buf)
			build(mw)
			Expect(mw.Close()).To(Succeed())
			r := h.upload("i1", bytes.NewReader(buf.Bytes()), contentType(mw.Boundary()), bearer(ada.Access))
			expectError(r, http.StatusBadRequest)
			Expect(r.Message()).To(ContainSubstring(message))
			e := h.last()
			Expect(e.Status).To(Equal(http.StatusBadRequest))
			Expect(e.BodyLength).To(Equal(buf.Len()), "the whole body was read")
			Expect(e.Parts).To(HaveLen(parts))
			Expect(h.do("GET", "/api/ideas/i1", nil).Status).To(Equal(http.StatusOK))
		},
		Entry("no file part", formData, func(mw *multipart.Writer) { field(mw, "caption", "c") },
			`a multipart upload needs a part named "file"`, 1),
		Entry("no part at all", formData, func(*multipart.Writer) {}, `a multipart upload needs a part named "file"`, 0),
		Entry("two file parts", formData, func(mw *multipart.Writer) {
			Expect(fakeserver.WriteGeneratedFile(mw, 1, 10)).To(Succeed())
			Expect(fakeserver.WriteGeneratedFile(mw, 2, 10)).To(Succeed())
		}, `a multipart upload takes one part named "file", not 2`, 2),
		Entry("no boundary parameter", func(string) string { return "multipart/form-data" },
			func(mw *multipart.Writer) { Expect(fakeserver.WriteGeneratedFile(mw, 1, 10)).To(Succeed()) },
			"multipart/form-data needs a boundary parameter", 0),
		Entry("a boundary the body does not use", func(string) string { return "multipart/form-data; boundary=elsewhere" },
			func(mw *multipart.Writer) { Expect(fakeserver.WriteGeneratedFile(mw, 1, 10)).To(Succeed()) },
			"malformed multipart body", 0),
		Entry("a boundary longer than RFC 2046 allows", func(string) string {
			return "multipart/form-data; boundary=" + strings.Repeat("b", 71)
		}, func(mw *multipart.Writer) {}, "the multipart boundary must be 1 to 70 characters (RFC 2046), not 71", 0),
		Entry("an unparsable parameter", func(b string) string { return "multipart/form-data; boundary=" + b + "; x" },
			func(mw *multipart.Writer) { Expect(fakeserver.WriteGeneratedFile(mw, 1, 10)).To(Succeed()) },
			"the multipart/form-data Content-Type has a malformed parameter", 0),
		Entry("an unparsable type", func(b string) string { return "multipart/form-data/x; boundary=" + b },
			func(mw *multipart.Writer) { Expect(fakeserver.WriteGeneratedFile(mw, 1, 10)).To(Succeed()) },
			"the multipart/form-data Content-Type is malformed", 0),
		Entry("a part without a name", formData, func(mw *multipart.Writer) {
			Expect(fakeserver.WriteGeneratedFile(mw, 1, 10)).To(Succeed())
			w, err := mw.CreatePart(textproto.MIMEHeader{"Content-Disposition": {"form-data"}})
			Expect(err).NotTo(HaveOccurred())
			_, _ = w.Write([]byte("?"))
		}, "part 2 has no Content-Disposition: form-data with a name", 1),
		Entry("more than 100 parts", formData, func(mw *multipart.Writer) {
			for i := range 101 {
				field(mw, fmt.Sprint("f", i), "v")
			}
		}, "a multipart upload takes at most 100 parts", 100),
	)

	It("answers 400 for a body cut before its closing boundary", func() {
		ct, body := multipartOf(func(mw *multipart.Writer) { Expect(fakeserver.WriteGeneratedFile(mw, 1, 1000)).To(Succeed()) })
		r := h.upload("i1", bytes.NewReader(body[:len(body)-40]), ct, bearer(ada.Access))
		expectError(r, http.StatusBadRequest)
		Expect(r.Message()).To(HavePrefix("malformed multipart body"))
	})

	Context("over the upload limit", func() {
		It("answers 413 once it has read the body, so the client reads the 413", func() {
			size := fakeserver.MaxUploadBytes + 1
			r := h.upload("i1", chunked(fakeserver.GeneratedReader(1, size)), "", bearer(ada.Access))
			expectError(r, http.StatusRequestEntityTooLarge)
			Expect(r.Message()).To(Equal("the upload is larger than 8 MiB"))
			e := h.last()
			Expect(e.BodyLength).To(Equal(size))
			Expect(e.BodySha256).To(Equal(fakeserver.GeneratedSHA256(1, size)), "read to its end within the drain bound")
			Expect(e.BodyTruncated).To(BeTrue())
			Expect(e.Parts).To(BeNil())
		})

		It("stops draining at a bound: the entry says 413, with no hash", func() {
			size := 2*fakeserver.MaxUploadBytes + 1<<20
			r := h.upload("i1", chunked(fakeserver.GeneratedReader(1, size)), "", bearer(ada.Access))
			if r.Err == nil {
				Expect(r.Status).To(Equal(http.StatusRequestEntityTooLarge))
			}
			Eventually(func() int { return h.last().Status }).Should(Equal(http.StatusRequestEntityTooLarge))
			e := h.last()
			Expect(e.BodyLength).To(Equal(2*fakeserver.MaxUploadBytes + 1))
			Expect(e.BodySha256).To(BeEmpty())
		})

		It("is 413 before 401, and a multipart body over it records no parts", func() {
			ct, body := multipartOf(func(mw *multipart.Writer) {
				Expect(fakeserver.WriteGeneratedFile(mw, 1, fakeserver.MaxUploadBytes)).To(Succeed())
			})
			expectError(h.upload("i1", bytes.NewReader(body), ct), http.StatusRequestEntityTooLarge)
			Expect(h.last().Parts).To(BeNil())
		})
	})

	Context("credentials and the idea, in the usual precedence", func() {
		It("reads the whole body before a 401, so the client reads the 401", func() {
			size := 4 << 20
			h.clock.Advance(time.Minute)
			r := h.upload("i1", bytes.NewReader(fakeserver.GeneratedBody(1, size)), "", bearer(ada.Access))
			expectError(r, http.StatusUnauthorized)
			Expect(r.Header.Get("WWW-Authenticate")).To(Equal(`Bearer error="invalid_token", error_description="the access token expired"`))
			e := h.last()
			Expect([]any{e.AccessState, e.BodyLength, e.BodySha256}).To(Equal([]any{fakeserver.StateExpired, size, fakeserver.GeneratedSHA256(1, size)}))
			r = h.upload("i1", chunked(fakeserver.GeneratedReader(1, size)), "")
			expectError(r, http.StatusUnauthorized)
			Expect(r.Header.Get("WWW-Authenticate")).To(Equal("Bearer"))
		})

		It("is 401 before a bad body, 400 before a missing idea, 404 before not the owner", func() {
			expectError(h.upload("i1", strings.NewReader("x"), "multipart/form-data"), http.StatusUnauthorized)
			expectError(h.upload("i9", strings.NewReader("x"), "multipart/form-data", bearer(ada.Access)), http.StatusBadRequest)
			r := h.upload("i9", strings.NewReader("x"), "", bearer(ada.Access))
			expectError(r, http.StatusNotFound)
			Expect(r.Message()).To(Equal(`no idea with id "i9"`))
			bob := h.register("bob")
			expectError(h.upload("i9", strings.NewReader("x"), "", bearer(bob.Access)), http.StatusNotFound)
			expectError(h.upload("i1", strings.NewReader("x"), "", bearer(bob.Access)), http.StatusForbidden)
			Expect(h.upload("i1", strings.NewReader("x"), "", bearer(ada.Access), bearer(ada.Access)).Status).To(Equal(http.StatusBadRequest))
		})

		It("routes only POST /api/ideas/{id}/attachments", func() {
			r := h.do("GET", "/api/ideas/i1/attachments", nil)
			expectError(r, http.StatusMethodNotAllowed)
			Expect(r.Header.Get("Allow")).To(Equal("POST"))
			expectError(h.do("POST", "/api/ideas//attachments", []byte("x"), bearer(ada.Access)), http.StatusNotFound)
			expectError(h.do("POST", "/api/ideas/i1/attachments/", []byte("x"), bearer(ada.Access)), http.StatusNotFound)
			expectError(h.do("POST", "/api/ideas/i1/x/attachments", []byte("x"), bearer(ada.Access)), http.StatusNotFound)
		})
	})

	Context("when the token is judged", func() {
		// streamUpload starts an upload whose body the spec writes: the first
		// chunk, then (once the server has read it) the rest.
		streamUpload := func(access string, size int) (rest func(), reply <-chan apiReply) {
			pr, pw := io.Pipe()
			ch := make(chan apiReply, 1)
			go func() {
				defer GinkgoRecover()
				ch <- h.upload("i1", pr, "", bearer(access))
			}()
			body := fakeserver.GeneratedBody(8, size)
			_, err := pw.Write(body[:1000])
			Expect(err).NotTo(HaveOccurred())
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			Expect(h.srv.WaitJournal(ctx, func(j fakeserver.Journal) bool {
				e := j[len(j)-1]
				return e.Pending && e.Path == fakeserver.AttachmentsPath("i1") && e.BodyLength >= 1000
			})).To(BeTrue(), "the pending entry shows the bytes arriving")
			return func() {
				defer GinkgoRecover()
				_, err := pw.Write(body[1000:])
				Expect(err).NotTo(HaveOccurred())
				Expect(pw.Close()).To(Succeed())
			}, ch
		}

		It("by default when the upload is handled, before its body: a token that expires mid-upload is accepted", func() {
			rest, reply := streamUpload(ada.Access, 200_000)
			Expect(h.last().AccessState).To(Equal(fakeserver.StateValid), "judged before the first byte")
			h.clock.Advance(time.Minute)
			go rest()
			a := attachmentOf(<-reply)
			Expect(a.SHA256).To(Equal(fakeserver.GeneratedSHA256(8, 200_000)))
			Expect(h.last().AccessState).To(Equal(fakeserver.StateValid))
		})

		It("with AuthAfterUploadBody after its last byte: a token that expires mid-upload is 401", func() {
			h = newAPI(fakeserver.Options{AuthAfterUploadBody: true})
			ada = h.seedUser()
			Expect(h.do("POST", "/api/ideas", ideaBody("mine"), bearer(ada.Access)).Status).To(Equal(http.StatusCreated))
			rest, reply := streamUpload(ada.Access, 200_000)
			h.clock.Advance(time.Minute)
			go rest()
			r := <-reply
			expectError(r, http.StatusUnauthorized)
			Expect(r.Header.Get("WWW-Authenticate")).To(ContainSubstring("the access token expired"))
			e := h.last()
			Expect([]any{e.AccessState, e.BodyLength, e.BodySha256}).To(Equal([]any{fakeserver.StateExpired, 200_000, fakeserver.GeneratedSHA256(8, 200_000)}))
		})

		It("after any hold, so a hold still makes the token expire first", func() {
			f := h.srv.AddFault(fakeserver.Rule{Method: "POST", Path: fakeserver.AttachmentsPath("i1"), Times: 1, Action: fakeserver.ActionHoldBefore})
			ch := make(chan apiReply, 1)
			go func() {
				defer GinkgoRecover()
				ch <- h.upload("i1", chunked(fakeserver.GeneratedReader(1, 100_000)), "", bearer(ada.Access))
			}()
			waitHeld(f, 1)
			h.clock.Advance(time.Minute)
			f.Release()
			expectError(<-ch, http.StatusUnauthorized)
			Expect(h.last().Fault).To(Equal("hold"))
		})
	})

	It("reads the body a status fault answered instead, so the client reads the fault's answer", func() {
		h.srv.AddFault(fakeserver.Rule{Method: "POST", Path: fakeserver.AttachmentsPath("i1"), Times: 1, Action: fakeserver.ActionStatus, Status: 503})
		size := 4 << 20
		r := h.upload("i1", chunked(fakeserver.GeneratedReader(1, size)), "", bearer(ada.Access))
		expectError(r, http.StatusServiceUnavailable)
		e := h.last()
		Expect([]any{e.Fault, e.BodyLength, e.BodySha256}).To(Equal([]any{"status", size, fakeserver.GeneratedSHA256(1, size)}))
		Expect(attachmentOf(h.upload("i1", strings.NewReader("x"), "", bearer(ada.Access))).ID).To(Equal("a1"), "the faulted upload took no id")
	})

	It("starts attachment ids again at a1 after a reset", func() {
		Expect(attachmentOf(h.upload("i1", strings.NewReader("x"), "", bearer(ada.Access))).ID).To(Equal("a1"))
		Expect(attachmentOf(h.upload("i1", strings.NewReader("x"), "", bearer(ada.Access))).ID).To(Equal("a2"))
		h.srv.Reset()
		ada = h.seedUser()
		Expect(h.do("POST", "/api/ideas", ideaBody("again"), bearer(ada.Access)).Status).To(Equal(http.StatusCreated))
		Expect(attachmentOf(h.upload("i1", strings.NewReader("x"), "", bearer(ada.Access))).ID).To(Equal("a1"))
	})
})

var _ = Describe("bodyLength on every endpoint", func() {
	It("is the bytes received, absent without a body, and counts what a 413 discarded", func() {
		h := newAPI(fakeserver.Options{})
		ada := h.seedUser()
		body := ideaBody("t")
		Expect(h.do("POST", "/api/ideas", body, bearer(ada.Access)).Status).To(Equal(http.StatusCreated))
		Expect(h.last().BodyLength).To(Equal(len(body)))
		h.do("GET", "/api/ideas", nil)
		Expect(h.last().BodyLength).To(Equal(0))
		Expect(string(jsonBody(h.last()))).NotTo(ContainSubstring("bodyLength"))
		expectError(h.do("POST", "/api/ideas", bytes.Repeat([]byte("x"), fakeserver.MaxBodyBytes+10), bearer(ada.Access)),
			http.StatusRequestEntityTooLarge)
		Expect(h.last().BodyLength).To(Equal(fakeserver.MaxBodyBytes + 10))
	})
})

// formData is the Content-Type the multipart writer would send.
func formData(boundary string) string { return "multipart/form-data; boundary=" + boundary }
