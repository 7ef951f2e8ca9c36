package restapi

import "maps"

// routeTable maps "service/command" to its handler: the whole REST surface
// Parley serves, in one place.
func (s *Server) routeTable() map[string]handlerFunc {
	routes := map[string]handlerFunc{
		"im_open_login_svc/account_import":      s.accountImport,
		"im_open_login_svc/multiaccount_import": s.multiaccountImport,
		"im_open_login_svc/account_delete":      s.accountDelete,
		"im_open_login_svc/account_check":       s.accountCheck,
		"im_open_login_svc/kick":                s.kick,

		"openim/sendmsg":                s.sendMsg,
		"openim/batchsendmsg":           s.batchSendMsg,
		"openim/importmsg":              s.importMsg,
		"openim/admin_getroammsg":       s.adminGetRoamMsg,
		"openim/admin_msgwithdraw":      s.adminMsgWithdraw,
		"openim/modify_c2c_msg":         s.modifyC2CMsg,
		"openim/admin_set_msg_read":     s.adminSetMsgRead,
		"openim/get_c2c_unread_msg_num": s.getC2CUnreadMsgNum,
		"openim/query_online_status":    s.queryOnlineStatus,
		"openim/querystate":             s.queryState,

		"recentcontact/get_list": s.recentContactGetList,
		"recentcontact/delete":   s.recentContactDelete,

		"profile/portrait_set": s.portraitSet,
		"profile/portrait_get": s.portraitGet,

		"openconfigsvr/setnospeaking": s.setNoSpeaking,
		"openconfigsvr/getnospeaking": s.getNoSpeaking,

		"parley_config/get_app_config": s.getAppConfig,
		"parley_config/set_app_config": s.setAppConfig,
	}
	if s.friends != nil {
		maps.Copy(routes, s.snsRoutes())
	}
	return routes
}
