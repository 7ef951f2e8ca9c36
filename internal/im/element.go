package im

import (
	"errors"
	"math"
)

// The element types below carry exactly the MsgContent fields of the
// reference's message format, with its JSON names and types. Integers that the
// reference's SDKs hold in 32-bit fields (durations, dimensions, Index) must
// fit in an int32, so that no reference client overflows reading them.

// Image formats (TIMImageElem.ImageFormat).
const (
	ImageFormatJPG   = 1
	ImageFormatGIF   = 2
	ImageFormatPNG   = 3
	ImageFormatBMP   = 4
	ImageFormatOther = 255
)

// Image sizes (ImageInfo.Type).
const (
	ImageOriginal  = 1
	ImageLarge     = 2
	ImageThumbnail = 3
)

// DownloadViaURL is the only value the reference defines for Download_Flag,
// VideoDownloadFlag and ThumbDownloadFlag: the file is downloaded from its
// URL. Zero means unset and is left out of the encoding.
const DownloadViaURL = 2

// TextElem is TIMTextElem: plain text, also used as the offline-push text.
// Empty text is allowed (the reference is not known to reject it); the body
// size limit is the only bound.
type TextElem struct {
	Text string `json:"Text"`
}

// LocationElem is TIMLocationElem. Latitude must lie in [-90, 90] and
// Longitude in [-180, 180].
type LocationElem struct {
	Desc      string  `json:"Desc"`
	Latitude  float64 `json:"Latitude"`
	Longitude float64 `json:"Longitude"`
}

// FaceElem is TIMFaceElem, an app-defined emoji: Index (any int32) and Data.
type FaceElem struct {
	Index int    `json:"Index"`
	Data  string `json:"Data"`
}

// CustomElem is TIMCustomElem, app-defined data. Data is not passed to APNs;
// Desc is the push text (OfflinePushInfo.Desc overrides it), Ext is passed
// through to APNs and Sound names the APNs sound. A message carries at most
// one.
type CustomElem struct {
	Data  string `json:"Data"`
	Desc  string `json:"Desc"`
	Ext   string `json:"Ext"`
	Sound string `json:"Sound"`
}

// SoundElem is TIMSoundElem: a voice clip of Size bytes (at most
// Limits.MaxSoundBytes) and Second seconds.
type SoundElem struct {
	URL          string `json:"Url"`
	UUID         string `json:"UUID"`
	Size         int64  `json:"Size"`
	Second       int    `json:"Second"`
	DownloadFlag int    `json:"Download_Flag,omitempty"` // 0 (unset) or DownloadViaURL
}

// ImageElem is TIMImageElem: an image in up to three renditions. An empty
// ImageInfoArray decodes as nil and encodes as [].
type ImageElem struct {
	UUID           string      `json:"UUID"`
	ImageFormat    int         `json:"ImageFormat"` // ImageFormatJPG ... ImageFormatOther
	ImageInfoArray []ImageInfo `json:"ImageInfoArray"`
}

// ImageInfo is one rendition of an image; Size is at most
// Limits.MaxImageBytes.
type ImageInfo struct {
	Type   int    `json:"Type"` // ImageOriginal, ImageLarge or ImageThumbnail
	Size   int64  `json:"Size"`
	Width  int    `json:"Width"`
	Height int    `json:"Height"`
	URL    string `json:"URL"`
}

// FileElem is TIMFileElem: a file of FileSize bytes (at most
// Limits.MaxFileBytes).
type FileElem struct {
	URL          string `json:"Url"`
	UUID         string `json:"UUID"`
	FileSize     int64  `json:"FileSize"`
	FileName     string `json:"FileName"`
	DownloadFlag int    `json:"Download_Flag,omitempty"` // 0 (unset) or DownloadViaURL
}

// VideoFileElem is TIMVideoFileElem: a short video of VideoSize bytes (at
// most Limits.MaxVideoBytes) and its thumbnail image of ThumbSize bytes (at
// most Limits.MaxImageBytes). The formats are free strings such as "mp4" and
// "JPG".
type VideoFileElem struct {
	VideoURL          string `json:"VideoUrl"`
	VideoUUID         string `json:"VideoUUID"`
	VideoSize         int64  `json:"VideoSize"`
	VideoSecond       int    `json:"VideoSecond"`
	VideoFormat       string `json:"VideoFormat"`
	VideoDownloadFlag int    `json:"VideoDownloadFlag,omitempty"` // 0 (unset) or DownloadViaURL
	ThumbURL          string `json:"ThumbUrl"`
	ThumbUUID         string `json:"ThumbUUID"`
	ThumbSize         int64  `json:"ThumbSize"`
	ThumbWidth        int    `json:"ThumbWidth"`
	ThumbHeight       int    `json:"ThumbHeight"`
	ThumbFormat       string `json:"ThumbFormat"`
	ThumbDownloadFlag int    `json:"ThumbDownloadFlag,omitempty"` // 0 (unset) or DownloadViaURL
}

// MsgType implements Content.
func (TextElem) MsgType() string { return MsgTypeText }

// MsgType implements Content.
func (LocationElem) MsgType() string { return MsgTypeLocation }

// MsgType implements Content.
func (FaceElem) MsgType() string { return MsgTypeFace }

// MsgType implements Content.
func (CustomElem) MsgType() string { return MsgTypeCustom }

// MsgType implements Content.
func (SoundElem) MsgType() string { return MsgTypeSound }

// MsgType implements Content.
func (ImageElem) MsgType() string { return MsgTypeImage }

// MsgType implements Content.
func (FileElem) MsgType() string { return MsgTypeFile }

// MsgType implements Content.
func (VideoFileElem) MsgType() string { return MsgTypeVideoFile }

func (c TextElem) appendJSON(dst []byte) ([]byte, error) {
	dst = appendStringField(dst, `{"Text":`, c.Text)
	return append(dst, '}'), nil
}

func (c LocationElem) appendJSON(dst []byte) ([]byte, error) {
	if !isFinite(c.Latitude) || !isFinite(c.Longitude) {
		return nil, errors.New("TIMLocationElem coordinates must be finite numbers")
	}
	dst = appendStringField(dst, `{"Desc":`, c.Desc)
	dst = appendFloat(append(dst, `,"Latitude":`...), c.Latitude)
	dst = appendFloat(append(dst, `,"Longitude":`...), c.Longitude)
	return append(dst, '}'), nil
}

func (c FaceElem) appendJSON(dst []byte) ([]byte, error) {
	dst = appendIntField(dst, `{"Index":`, c.Index)
	dst = appendStringField(dst, `,"Data":`, c.Data)
	return append(dst, '}'), nil
}

func (c CustomElem) appendJSON(dst []byte) ([]byte, error) {
	dst = appendStringField(dst, `{"Data":`, c.Data)
	dst = appendStringField(dst, `,"Desc":`, c.Desc)
	dst = appendStringField(dst, `,"Ext":`, c.Ext)
	dst = appendStringField(dst, `,"Sound":`, c.Sound)
	return append(dst, '}'), nil
}

func (c SoundElem) appendJSON(dst []byte) ([]byte, error) {
	dst = appendStringField(dst, `{"Url":`, c.URL)
	dst = appendStringField(dst, `,"UUID":`, c.UUID)
	dst = appendIntField(dst, `,"Size":`, c.Size)
	dst = appendIntField(dst, `,"Second":`, c.Second)
	dst = appendFlagField(dst, `,"Download_Flag":`, c.DownloadFlag)
	return append(dst, '}'), nil
}

func (c ImageElem) appendJSON(dst []byte) ([]byte, error) {
	dst = appendStringField(dst, `{"UUID":`, c.UUID)
	dst = appendIntField(dst, `,"ImageFormat":`, c.ImageFormat)
	dst = append(dst, `,"ImageInfoArray":[`...)
	for i, info := range c.ImageInfoArray {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendIntField(dst, `{"Type":`, info.Type)
		dst = appendIntField(dst, `,"Size":`, info.Size)
		dst = appendIntField(dst, `,"Width":`, info.Width)
		dst = appendIntField(dst, `,"Height":`, info.Height)
		dst = appendStringField(dst, `,"URL":`, info.URL)
		dst = append(dst, '}')
	}
	return append(dst, ']', '}'), nil
}

func (c FileElem) appendJSON(dst []byte) ([]byte, error) {
	dst = appendStringField(dst, `{"Url":`, c.URL)
	dst = appendStringField(dst, `,"UUID":`, c.UUID)
	dst = appendIntField(dst, `,"FileSize":`, c.FileSize)
	dst = appendStringField(dst, `,"FileName":`, c.FileName)
	dst = appendFlagField(dst, `,"Download_Flag":`, c.DownloadFlag)
	return append(dst, '}'), nil
}

func (c VideoFileElem) appendJSON(dst []byte) ([]byte, error) {
	dst = appendStringField(dst, `{"VideoUrl":`, c.VideoURL)
	dst = appendStringField(dst, `,"VideoUUID":`, c.VideoUUID)
	dst = appendIntField(dst, `,"VideoSize":`, c.VideoSize)
	dst = appendIntField(dst, `,"VideoSecond":`, c.VideoSecond)
	dst = appendStringField(dst, `,"VideoFormat":`, c.VideoFormat)
	dst = appendFlagField(dst, `,"VideoDownloadFlag":`, c.VideoDownloadFlag)
	dst = appendStringField(dst, `,"ThumbUrl":`, c.ThumbURL)
	dst = appendStringField(dst, `,"ThumbUUID":`, c.ThumbUUID)
	dst = appendIntField(dst, `,"ThumbSize":`, c.ThumbSize)
	dst = appendIntField(dst, `,"ThumbWidth":`, c.ThumbWidth)
	dst = appendIntField(dst, `,"ThumbHeight":`, c.ThumbHeight)
	dst = appendStringField(dst, `,"ThumbFormat":`, c.ThumbFormat)
	dst = appendFlagField(dst, `,"ThumbDownloadFlag":`, c.ThumbDownloadFlag)
	return append(dst, '}'), nil
}

// appendFlagField appends a download flag unless it is unset (zero).
func appendFlagField(dst []byte, prefix string, v int) []byte {
	if v == 0 {
		return dst
	}
	return appendIntField(dst, prefix, v)
}

func isFinite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }
