package im

// Reference-shaped samples of every element type, written from the field
// lists of the reference's message-format documentation,
// with every field present in the reference's order. Each decodes to want
// and re-encodes to the compacted sample, byte for byte.
var elementSamples = []struct {
	name string
	json string
	want Element
}{
	{
		name: "text",
		json: `{"MsgType": "TIMTextElem", "MsgContent": {"Text": "hello world"}}`,
		want: NewElement(TextElem{Text: "hello world"}),
	},
	{
		name: "location",
		json: `{
			"MsgType": "TIMLocationElem",
			"MsgContent": {"Desc": "someinfo", "Latitude": 29.340656774469956, "Longitude": 116.77497920478824}
		}`,
		want: NewElement(LocationElem{Desc: "someinfo", Latitude: 29.340656774469956, Longitude: 116.77497920478824}),
	},
	{
		name: "face",
		json: `{"MsgType": "TIMFaceElem", "MsgContent": {"Index": 1, "Data": "content"}}`,
		want: NewElement(FaceElem{Index: 1, Data: "content"}),
	},
	{
		name: "custom",
		json: `{
			"MsgType": "TIMCustomElem",
			"MsgContent": {"Data": "message", "Desc": "notification", "Ext": "url", "Sound": "dingdong.aiff"}
		}`,
		want: NewElement(CustomElem{Data: "message", Desc: "notification", Ext: "url", Sound: "dingdong.aiff"}),
	},
	{
		name: "sound",
		json: `{
			"MsgType": "TIMSoundElem",
			"MsgContent": {
				"Url": "https://media.example.com/sound/5_4f6ad0ba.m4a",
				"UUID": "5_4f6ad0ba-8e6d-4a6a-8a0b-3d1e2c0b9e7a",
				"Size": 9450,
				"Second": 1,
				"Download_Flag": 2
			}
		}`,
		want: NewElement(SoundElem{
			URL: "https://media.example.com/sound/5_4f6ad0ba.m4a", UUID: "5_4f6ad0ba-8e6d-4a6a-8a0b-3d1e2c0b9e7a",
			Size: 9450, Second: 1, DownloadFlag: DownloadViaURL,
		}),
	},
	{
		name: "image",
		json: `{
			"MsgType": "TIMImageElem",
			"MsgContent": {
				"UUID": "1853095_D61040894AC3DE44CDFFFB3EC7EB720F",
				"ImageFormat": 1,
				"ImageInfoArray": [
					{"Type": 1, "Size": 1853095, "Width": 2448, "Height": 3264, "URL": "https://media.example.com/img/1?imageView2/3/w/0"},
					{"Type": 2, "Size": 484417, "Width": 720, "Height": 960, "URL": "https://media.example.com/img/1?imageView2/3/w/720"},
					{"Type": 3, "Size": 16987, "Width": 198, "Height": 264, "URL": "https://media.example.com/img/1?imageView2/3/w/198"}
				]
			}
		}`,
		want: NewElement(ImageElem{
			UUID: "1853095_D61040894AC3DE44CDFFFB3EC7EB720F", ImageFormat: ImageFormatJPG,
			ImageInfoArray: []ImageInfo{
				{Type: ImageOriginal, Size: 1853095, Width: 2448, Height: 3264, URL: "https://media.example.com/img/1?imageView2/3/w/0"},
				{Type: ImageLarge, Size: 484417, Width: 720, Height: 960, URL: "https://media.example.com/img/1?imageView2/3/w/720"},
				{Type: ImageThumbnail, Size: 16987, Width: 198, Height: 264, URL: "https://media.example.com/img/1?imageView2/3/w/198"},
			},
		}),
	},
	{
		name: "file",
		json: `{
			"MsgType": "TIMFileElem",
			"MsgContent": {
				"Url": "https://media.example.com/file/report.pdf",
				"UUID": "6_2bd2c6a2-6d2c-4a3e-9b8a-5c7a1f0e3d21",
				"FileSize": 1773552,
				"FileName": "report.pdf",
				"Download_Flag": 2
			}
		}`,
		want: NewElement(FileElem{
			URL: "https://media.example.com/file/report.pdf", UUID: "6_2bd2c6a2-6d2c-4a3e-9b8a-5c7a1f0e3d21",
			FileSize: 1773552, FileName: "report.pdf", DownloadFlag: DownloadViaURL,
		}),
	},
	{
		name: "video",
		json: `{
			"MsgType": "TIMVideoFileElem",
			"MsgContent": {
				"VideoUrl": "https://media.example.com/video/clip.mp4",
				"VideoUUID": "5_1c2f3e4d-video",
				"VideoSize": 1194603,
				"VideoSecond": 5,
				"VideoFormat": "mp4",
				"VideoDownloadFlag": 2,
				"ThumbUrl": "https://media.example.com/video/clip.jpg",
				"ThumbUUID": "5_1c2f3e4d-thumb",
				"ThumbSize": 13907,
				"ThumbWidth": 720,
				"ThumbHeight": 1280,
				"ThumbFormat": "JPG",
				"ThumbDownloadFlag": 2
			}
		}`,
		want: NewElement(VideoFileElem{
			VideoURL: "https://media.example.com/video/clip.mp4", VideoUUID: "5_1c2f3e4d-video",
			VideoSize: 1194603, VideoSecond: 5, VideoFormat: "mp4", VideoDownloadFlag: DownloadViaURL,
			ThumbURL: "https://media.example.com/video/clip.jpg", ThumbUUID: "5_1c2f3e4d-thumb",
			ThumbSize: 13907, ThumbWidth: 720, ThumbHeight: 1280, ThumbFormat: "JPG", ThumbDownloadFlag: DownloadViaURL,
		}),
	},
}

// systemNoticeSample is decoded (not parsed: clients cannot send it).
var systemNoticeSample = struct {
	json string
	want Element
}{
	json: `{
		"MsgType": "TIMGroupSystemNoticeElem",
		"MsgContent": {"OperationType": 255, "GroupId": "@TGS#2C5SZEAEF", "Operator_Account": "administrator", "UserDefinedField": "{\"cmd\":\"room_closed\"}"}
	}`,
	want: NewElement(SystemNoticeElem{
		OperationType: NoticeCustom, GroupID: "@TGS#2C5SZEAEF", Operator: "administrator",
		UserDefinedField: `{"cmd":"room_closed"}`,
	}),
}

// Bodies used by the benchmarks and as fuzz seeds.
const (
	textBody  = `[{"MsgType":"TIMTextElem","MsgContent":{"Text":"hi, are we still on for the raid tonight? 8pm server time"}}]`
	mixedBody = `[` +
		`{"MsgType":"TIMTextElem","MsgContent":{"Text":"look what I found <3"}},` +
		`{"MsgType":"TIMFaceElem","MsgContent":{"Index":12,"Data":"smile"}},` +
		`{"MsgType":"TIMImageElem","MsgContent":{"UUID":"1853095_D61040894AC3DE44CDFFFB3EC7EB720F","ImageFormat":3,"ImageInfoArray":[` +
		`{"Type":1,"Size":1853095,"Width":2448,"Height":3264,"URL":"https://media.example.com/img/1"},` +
		`{"Type":2,"Size":484417,"Width":720,"Height":960,"URL":"https://media.example.com/img/1?w=720"},` +
		`{"Type":3,"Size":16987,"Width":198,"Height":264,"URL":"https://media.example.com/img/1?w=198"}]}},` +
		`{"MsgType":"TIMCustomElem","MsgContent":{"Data":"{\"type\":\"gift\",\"id\":42,\"count\":3}","Desc":"sent you a gift","Ext":"","Sound":""}}` +
		`]`
)
