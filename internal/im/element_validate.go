package im

import (
	"fmt"
	"math"
)

// Value rules of the client-sendable elements. Every violation is a 90010
// *Error naming the element index and field.

func (TextElem) validate(*Limits, int) error { return nil }

func (CustomElem) validate(*Limits, int) error { return nil }

func (c FaceElem) validate(_ *Limits, i int) error {
	if c.Index < math.MinInt32 || c.Index > math.MaxInt32 {
		return fieldErr(i, "Index", "%d is outside the 32-bit integer range", c.Index)
	}
	return nil
}

func (c LocationElem) validate(_ *Limits, i int) error {
	// Written so that NaN fails too.
	if !(c.Latitude >= -90 && c.Latitude <= 90) {
		return fieldErr(i, "Latitude", "%v is outside [-90, 90]", c.Latitude)
	}
	if !(c.Longitude >= -180 && c.Longitude <= 180) {
		return fieldErr(i, "Longitude", "%v is outside [-180, 180]", c.Longitude)
	}
	return nil
}

func (c SoundElem) validate(lim *Limits, i int) error {
	return firstProblem(i, "", 0,
		check{"Size", sizeProblem(c.Size, lim.MaxSoundBytes)},
		check{"Second", countProblem(c.Second)},
		check{"Download_Flag", flagProblem(c.DownloadFlag)},
	)
}

func (c ImageElem) validate(lim *Limits, i int) error {
	switch c.ImageFormat {
	case ImageFormatJPG, ImageFormatGIF, ImageFormatPNG, ImageFormatBMP, ImageFormatOther:
	default:
		return fieldErr(i, "ImageFormat", "%d is not one of 1 (JPG), 2 (GIF), 3 (PNG), 4 (BMP), 255 (other)", c.ImageFormat)
	}
	for j, info := range c.ImageInfoArray {
		err := firstProblem(i, "ImageInfoArray", j,
			check{"Type", imageTypeProblem(info.Type)},
			check{"Size", sizeProblem(info.Size, lim.MaxImageBytes)},
			check{"Width", countProblem(info.Width)},
			check{"Height", countProblem(info.Height)},
		)
		if err != nil {
			return err
		}
	}
	return nil
}

func (c FileElem) validate(lim *Limits, i int) error {
	return firstProblem(i, "", 0,
		check{"FileSize", sizeProblem(c.FileSize, lim.MaxFileBytes)},
		check{"Download_Flag", flagProblem(c.DownloadFlag)},
	)
}

func (c VideoFileElem) validate(lim *Limits, i int) error {
	return firstProblem(i, "", 0,
		check{"VideoSize", sizeProblem(c.VideoSize, lim.MaxVideoBytes)},
		check{"VideoSecond", countProblem(c.VideoSecond)},
		check{"VideoDownloadFlag", flagProblem(c.VideoDownloadFlag)},
		check{"ThumbSize", sizeProblem(c.ThumbSize, lim.MaxImageBytes)},
		check{"ThumbWidth", countProblem(c.ThumbWidth)},
		check{"ThumbHeight", countProblem(c.ThumbHeight)},
		check{"ThumbDownloadFlag", flagProblem(c.ThumbDownloadFlag)},
	)
}

// check is one field's verdict: problem is empty when the value is fine.
type check struct {
	field   string
	problem string
}

// firstProblem returns a 90010 *Error for the first failed check of
// element i, or nil. When array is set the checks are about entry j of that
// array inside MsgContent.
func firstProblem(i int, array string, j int, checks ...check) error {
	for _, c := range checks {
		if c.problem == "" {
			continue
		}
		field := c.field
		if array != "" {
			field = fmt.Sprintf("%s[%d].%s", array, j, c.field)
		}
		return fieldErr(i, field, "%s", c.problem)
	}
	return nil
}

// sizeProblem requires 0 <= v <= limit (bytes).
func sizeProblem(v, limit int64) string {
	switch {
	case v < 0:
		return fmt.Sprintf("%d is negative", v)
	case v > limit:
		return fmt.Sprintf("%d bytes is over the %d-byte limit", v, limit)
	}
	return ""
}

// countProblem requires 0 <= v <= MaxInt32 (durations and dimensions).
func countProblem(v int) string {
	switch {
	case v < 0:
		return fmt.Sprintf("%d is negative", v)
	case v > math.MaxInt32:
		return fmt.Sprintf("%d is over %d", v, math.MaxInt32)
	}
	return ""
}

// flagProblem allows a download flag to be unset (0) or DownloadViaURL.
func flagProblem(v int) string {
	if v != 0 && v != DownloadViaURL {
		return fmt.Sprintf("%d is not 2 (download via URL)", v)
	}
	return ""
}

func imageTypeProblem(v int) string {
	if v < ImageOriginal || v > ImageThumbnail {
		return fmt.Sprintf("%d is not one of 1 (original), 2 (large), 3 (thumbnail)", v)
	}
	return ""
}
